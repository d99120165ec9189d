package io.shardline.engine.integrity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-file chunk CRCs, SHA-256s and root, computed once per (file identity, chunk size) and kept in memory
 * and, when a state directory is given, on disk, so a source serving a checkpoint to many
 * trainers reads each file for its manifest once. The key includes size, modification time (ns)
 * and inode, so a changed file is summed again. Blocking: call from a worker thread.
 */
public final class ManifestCache {
  private static final Logger LOG = LoggerFactory.getLogger(ManifestCache.class);
  private static final int MAGIC = 0x53484C36; // "SHL6": v6 sums (CRC32C and SHA-256 per chunk); older files are summed again
  private static final int MAX_MEMORY_ENTRIES = 200_000;

  /** The sums of one file version: per chunk its CRC32C and SHA-256 (32 bytes each, in order), and the root over the hashes. */
  public record Sums(int[] crcs, byte[] hashes, byte[] root) {
    /** Sums with their root computed. */
    public static Sums of(long size, int chunkSize, int[] crcs, byte[] hashes) {
      return new Sums(crcs, hashes, RootDigest.of(size, chunkSize, hashes));
    }
  }

  private final Path dir;
  /** Recently used sums by file version and chunk size; a size bound (Caffeine's W-TinyLFU) keeps memory flat. */
  private final Cache<String, Sums> memory = Caffeine.newBuilder().maximumSize(MAX_MEMORY_ENTRIES).build();

  /** @param dir where sums are persisted, or null for memory only */
  public ManifestCache(Path dir) {
    this.dir = dir;
  }

  /** Opens the file to sum (the server opens only regular files: {@code storage.RegularFile}). */
  @FunctionalInterface
  public interface Opener {
    FileChannel open() throws IOException;
  }

  /** Sums being computed, by key: a file is read once even when it is listed again meanwhile. */
  private final ConcurrentHashMap<String, CompletableFuture<Sums>> computing = new ConcurrentHashMap<>();

  private static String key(Path file, BasicFileAttributes attrs, int chunkSize) {
    return file.toAbsolutePath() + "|" + attrs.size() + "|" + attrs.lastModifiedTime().toInstant()
        + "|" + attrs.fileKey() + "|" + chunkSize;
  }

  /** The sums of this file version if they are known (memory or state dir), else null: reads nothing of the file. */
  public Sums peek(Path file, BasicFileAttributes attrs, int chunkSize) {
    String key = key(file, attrs, chunkSize);
    Sums s = memory.getIfPresent(key);
    if (s == null && !computing.containsKey(key)) {
      s = load(key, attrs.size(), chunkSize);
      if (s != null) {
        memory.put(key, s);
      }
    }
    return s;
  }

  /**
   * Starts computing the sums of this file version on {@code executor} unless they are known or
   * already being computed; a later {@link #sums} waits for that computation instead of reading
   * the file again. Failures are logged (the later {@code sums} computes afresh and reports them).
   */
  public void computeLater(Path file, BasicFileAttributes attrs, int chunkSize, Opener opener, Executor executor) {
    String key = key(file, attrs, chunkSize);
    if (memory.getIfPresent(key) != null) {
      return;
    }
    CompletableFuture<Sums> mine = new CompletableFuture<>();
    if (computing.putIfAbsent(key, mine) != null) {
      return;
    }
    try {
      executor.execute(() -> {
        try {
          mine.complete(compute(key, file, attrs, chunkSize, opener));
        } catch (IOException | RuntimeException e) {
          LOG.debug("summing {} in the background failed: {}", file.getFileName(), e.toString());
          mine.completeExceptionally(e);
        } finally {
          computing.remove(key, mine);
        }
      });
    } catch (RuntimeException e) {
      computing.remove(key, mine);
      mine.completeExceptionally(e);
    }
  }

  /** The sums of {@code file} (a regular file, already checked to be inside the root). */
  public Sums sums(Path file, BasicFileAttributes attrs, int chunkSize) throws IOException {
    return sums(file, attrs, chunkSize, () -> FileChannel.open(file, java.nio.file.StandardOpenOption.READ));
  }

  /** As {@link #sums(Path, BasicFileAttributes, int)}, opening the file (only on a miss) with {@code opener}. */
  public Sums sums(Path file, BasicFileAttributes attrs, int chunkSize, Opener opener) throws IOException {
    String key = key(file, attrs, chunkSize);
    Sums s = memory.getIfPresent(key);
    if (s != null) {
      return s;
    }
    CompletableFuture<Sums> pending = computing.get(key);
    if (pending != null) {
      try {
        return pending.join(); // summed in the background: wait for it rather than read the file twice
      } catch (CompletionException | CancellationException e) {
        // it failed: compute afresh below, so the caller gets this attempt's error
      }
    }
    return compute(key, file, attrs, chunkSize, opener);
  }

  /** Computes the chunk sums of one version of something that is not a local file (an object in a store). */
  @FunctionalInterface
  public interface Summer {
    ChunkSums.Computed sums() throws IOException;
  }

  /**
   * The sums of a source object that is not a local file, by {@code version}: a string that
   * changes whenever its bytes may have (for an object store: bucket, key, ETag, size and
   * last-modified time). Kept in memory and in the state dir like a file's; {@code summer} reads
   * the object only on a miss.
   */
  public Sums sums(String version, long size, int chunkSize, Summer summer) throws IOException {
    String key = "object|" + version + "|" + size + "|" + chunkSize;
    Sums s = memory.getIfPresent(key);
    if (s == null) {
      s = load(key, size, chunkSize);
    }
    if (s == null) {
      ChunkSums.Computed c = summer.sums();
      if (c.crcs().length != FileManifest.chunkCount(size, chunkSize)) {
        throw new IOException(c.crcs().length + " chunk sums for " + FileManifest.chunkCount(size, chunkSize) + " chunks");
      }
      s = Sums.of(size, chunkSize, c.crcs(), c.hashes());
      store(key, s);
    }
    memory.put(key, s);
    return s;
  }

  private Sums compute(String key, Path file, BasicFileAttributes attrs, int chunkSize, Opener opener)
      throws IOException {
    Sums s = memory.getIfPresent(key);
    if (s == null) {
      s = load(key, attrs.size(), chunkSize);
    }
    if (s == null) {
      ChunkSums.Computed c;
      try (FileChannel ch = opener.open()) {
        c = ChunkSums.compute(ch, file.getFileName().toString(), attrs.size(), chunkSize);
      }
      BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!after.lastModifiedTime().equals(attrs.lastModifiedTime()) || after.size() != attrs.size()) {
        throw new IOException(file.getFileName() + " was modified while its manifest was computed");
      }
      s = Sums.of(attrs.size(), chunkSize, c.crcs(), c.hashes());
      store(key, s);
    }
    memory.put(key, s);
    return s;
  }

  private Path fileFor(String key) {
    return dir.resolve(RootDigest.hex(RootDigest.sha256().digest(key.getBytes(StandardCharsets.UTF_8))) + ".sums");
  }

  private Sums load(String key, long size, int chunkSize) {
    if (dir == null) {
      return null;
    }
    Path f = fileFor(key);
    try {
      if (!Files.exists(f)) {
        return null;
      }
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f));
      int n = FileManifest.chunkCount(size, chunkSize);
      if (b.remaining() != 8 + RootDigest.BYTES + (4L + Sha256.BYTES) * n || b.getInt() != MAGIC || b.getInt() != n) {
        return null;
      }
      byte[] root = new byte[RootDigest.BYTES];
      b.get(root);
      int[] crcs = new int[n];
      for (int i = 0; i < n; i++) {
        crcs[i] = b.getInt();
      }
      byte[] hashes = new byte[n * Sha256.BYTES];
      b.get(hashes);
      if (!java.util.Arrays.equals(root, RootDigest.of(size, chunkSize, hashes))) {
        return null;
      }
      return new Sums(crcs, hashes, root);
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring unreadable manifest cache entry {}: {}", f, e.toString());
      return null;
    }
  }

  private void store(String key, Sums s) {
    if (dir == null) {
      return;
    }
    Path f = fileFor(key);
    try {
      Files.createDirectories(dir);
      ByteBuffer b = ByteBuffer.allocate(8 + RootDigest.BYTES + 4 * s.crcs().length + s.hashes().length);
      b.putInt(MAGIC).putInt(s.crcs().length).put(s.root());
      for (int c : s.crcs()) {
        b.putInt(c);
      }
      b.put(s.hashes());
      Path tmp = Files.createTempFile(dir, "sums", ".tmp");
      Files.write(tmp, b.array());
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warn("cannot persist manifest cache entry in {}: {}", dir, e.toString());
    }
  }
}
