package io.shardline.engine.storage;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.integrity.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkSource} over a remote store (an object store, HDFS): what every such source does
 * the same way. LIST checks the path, asks the store for the file at it or the files below it
 * ({@link #listed}, collected through {@link Below}: unusable names skipped, a server limit on
 * the count, sorted by path), and makes each manifest once per file version in the
 * {@link ManifestCache} ({@link #cacheKey}), summing a file with one streamed read
 * ({@link #sum}, {@link #sums(InputStream, long, int, String)}). OPEN checks the path; reads go
 * through a {@link CheckedHandle}. A store keeps only its own calls, its names rule and its
 * error mapping. Every method blocks: call from worker threads.
 */
public abstract class RemoteChunkSource implements ChunkSource {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteChunkSource.class);
  /** Bytes per read while summing a file. */
  private static final int SUM_BUFFER = 1 << 20;

  private final String root;
  private final ManifestCache cache;
  private final int maxFiles;
  private final String unit;

  /**
   * @param root the source's root, for messages ({@code s3://BUCKET/PREFIX})
   * @param cache where manifests are kept (memory and the node's state dir)
   * @param maxFiles the most files one LIST may return (a server limit)
   * @param unit what the store's files are called in messages ("objects", "files")
   */
  protected RemoteChunkSource(String root, ManifestCache cache, int maxFiles, String unit) {
    this.root = root;
    this.cache = cache;
    this.maxFiles = maxFiles;
    this.unit = unit;
  }

  /**
   * One file as the store listed it: its path under the root, the name a client gives it, its
   * size and modification time, and the store's version of it (an ETag; null where the time is
   * the version).
   */
  protected record Listed(String path, String name, long size, long mtimeMillis, String version) {}

  /** Why {@code name} is not a usable relative name in this store, or null if it is. */
  protected abstract String problem(String name);

  /**
   * The file at {@code rel} (checked, "" is the root), or every file below it, sorted by path;
   * {@code NOT_FOUND} when there is neither.
   */
  protected abstract List<Listed> listed(String rel) throws IOException;

  /** The key of one file version in the manifest cache: names the store, the file and its version. */
  protected abstract String cacheKey(Listed file);

  /** The CRC32C and SHA-256 of every chunk of one listed file version, not empty (one streamed read, see {@link #sums}). */
  protected abstract ChunkSums.Computed sum(Listed file, int chunkSize) throws IOException;

  /** Opens the file at {@code rel} (checked), as {@link ChunkSource#open} says. */
  protected abstract Handle openChecked(String rel, FileManifest expected) throws IOException;

  @Override
  public final List<FileManifest> list(String rel, int chunkSize) throws IOException {
    if (!rel.isEmpty()) {
      check(rel);
    }
    List<Listed> files = listed(rel);
    List<FileManifest> out = new ArrayList<>(files.size());
    for (Listed f : files) {
      ManifestCache.Sums sums = cache.sums(cacheKey(f), f.size(), chunkSize,
          () -> f.size() == 0 ? new ChunkSums.Computed(new int[0], new byte[0]) : sum(f, chunkSize));
      out.add(new FileManifest(f.path(), f.name(), f.size(), f.mtimeMillis(), chunkSize, sums.crcs(), sums.hashes(),
          sums.root()));
    }
    return out;
  }

  @Override
  public final Handle open(String rel, FileManifest expected) throws IOException {
    check(rel);
    return openChecked(rel, expected);
  }

  private void check(String rel) {
    String problem = problem(rel);
    if (problem != null) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "/" + rel + " is not a path under " + root + ": " + problem);
    }
  }

  /** The one file at {@code rel} (a path under the root) as a listing. */
  protected static Listed file(String rel, long size, long mtimeMillis, String version) {
    return new Listed(rel, rel.substring(rel.lastIndexOf('/') + 1), size, mtimeMillis, version);
  }

  /** A new collector of the files below {@code rel}. */
  protected final Below below(String rel) {
    return new Below(rel);
  }

  /** The files found below one folder, as a store's listing walks them. */
  protected final class Below {
    private final String rel;
    private final List<Listed> files = new ArrayList<>();

    private Below(String rel) {
      this.rel = rel;
    }

    /**
     * Adds the file at {@code name} below the folder, unless the name is not a usable one (skipped;
     * a folder marker, ending in '/', silently); more than the server limit is {@code BAD_REQUEST}.
     */
    public void add(String name, long size, long mtimeMillis, String version) {
      String bad = problem(name);
      if (bad != null) {
        if (!name.endsWith("/")) {
          LOG.debug("not listing {} below /{} of {}: {}", name, rel, root, bad);
        }
        return;
      }
      files.add(new Listed(rel.isEmpty() ? name : rel + "/" + name, name, size, mtimeMillis, version));
      if (files.size() > maxFiles) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, "/" + rel + " holds more than " + maxFiles
            + " " + unit + " (server limit)");
      }
    }

    public boolean isEmpty() {
      return files.isEmpty();
    }

    /** What was added, sorted by path. */
    public List<Listed> sorted() {
      files.sort(Comparator.comparing(Listed::path));
      return files;
    }
  }

  /**
   * The CRC32C and SHA-256 of every chunk of a file of {@code size} bytes read from {@code in} (left
   * open): a stream that ends early is {@code SOURCE_CHANGED}, naming {@code label}.
   */
  protected static ChunkSums.Computed sums(InputStream in, long size, int chunkSize, String label) throws IOException {
    int[] crcs = new int[FileManifest.chunkCount(size, chunkSize)];
    byte[] hashes = new byte[crcs.length * Sha256.BYTES];
    byte[] buf = new byte[(int) Math.min(SUM_BUFFER, Math.max(size, 1))];
    CRC32C crc = new CRC32C();
    MessageDigest sha = Sha256.jdkDigest();
    long pos = 0;
    int chunk = 0;
    while (pos < size) {
      int want = (int) Math.min(buf.length, Math.min(size - pos, (long) (chunk + 1) * chunkSize - pos));
      int n = in.read(buf, 0, want);
      if (n < 0) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, label + " ended at " + pos
            + " bytes while it was summed; it was listed with " + size);
      }
      crc.update(buf, 0, n);
      sha.update(buf, 0, n);
      pos += n;
      if (pos == (long) (chunk + 1) * chunkSize || pos == size) {
        try {
          sha.digest(hashes, chunk * Sha256.BYTES, Sha256.BYTES);
        } catch (java.security.DigestException e) {
          throw new IllegalStateException(e);
        }
        crcs[chunk++] = (int) crc.getValue();
        crc.reset();
      }
    }
    return new ChunkSums.Computed(crcs, hashes);
  }
}
