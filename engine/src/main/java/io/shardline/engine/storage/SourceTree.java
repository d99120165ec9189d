package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.tensor.DTypeMap;
import io.shardline.engine.wire.ErrorCode;
import io.shardline.engine.wire.ShardlineException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served side of storage: a read-only tree under a root. Lists manifests and reads chunks.
 * Every method blocks (file I/O): call from a worker thread, never from an event loop. Only
 * regular files are opened ({@link RegularFile}): a FIFO or device in the tree is refused, never
 * opened, so it cannot hold a disk worker. Errors name paths under the root, never the root.
 */
public final class SourceTree {
  private static final Logger LOG = LoggerFactory.getLogger(SourceTree.class);

  /** A chunk read from disk: a pooled direct buffer the caller owns, and its CRC32C. */
  public record Chunk(ByteBuf bytes, int crc) {}

  /**
   * Test seam, in the spirit of OkHttp's {@code FaultyFileSystem}: fails reads on purpose, as a
   * failing disk would, at the point a real read error would surface. Not reachable from the CLI.
   */
  @FunctionalInterface
  public interface ReadFaults {
    ReadFaults NONE = (rel, offset) -> {};

    /**
     * Called just before the server reads {@code rel} at {@code offset} (-1: the whole file, for
     * its manifest); throwing an {@link IOException} fails that read.
     */
    void check(String rel, long offset) throws IOException;
  }

  private final Path realRoot;
  private final ManifestCache cache;
  private final int maxFiles;
  private final ReadFaults faults;
  /** Element-type maps of recently served files, by file version. */
  private final java.util.Map<String, DTypeMap> dtypes = new java.util.LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<String, DTypeMap> eldest) {
      return size() > 100_000; // entries are small; a 10,000-file tree must fit
    }
  };

  public SourceTree(Path root, ManifestCache cache, int maxFiles) throws IOException {
    this(root, cache, maxFiles, ReadFaults.NONE);
  }

  public SourceTree(Path root, ManifestCache cache, int maxFiles, ReadFaults faults) throws IOException {
    this.faults = faults;
    this.realRoot = root.toRealPath();
    if (!Files.isDirectory(realRoot)) {
      throw new IOException(root + " is not a directory");
    }
    this.cache = cache;
    this.maxFiles = maxFiles;
  }

  public Path root() {
    return realRoot;
  }

  /**
   * Manifests of the file, or of every regular file below the directory, at {@code rel}. A path
   * that is not a regular file or directory (a FIFO, socket, device) is refused with
   * {@code NOT_FOUND}; below a directory such files are skipped (logged, never listed), and so are
   * {@value PartialFile#STATE_DIR} folders (a pull's partial files and journals, which change
   * while they are read) and symlinks that lead outside the root, into a state folder, or not to
   * a regular file.
   */
  public List<FileManifest> list(String rel, int chunkSize) throws IOException {
    Path target = resolve(rel);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "listing /" + rel + " failed on the server: " + describe(e), e);
    }
    List<FileManifest> out = new ArrayList<>();
    if (attrs.isRegularFile()) {
      String name = target.getFileName().toString();
      out.add(manifest(target, attrs, relOf(target), name, chunkSize));
      return out;
    }
    if (!attrs.isDirectory()) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is " + RegularFile.kind(target, attrs)
          + ", not a regular file or a directory; only regular files are served");
    }
    List<Path> files = new ArrayList<>();
    try {
      Files.walkFileTree(target, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
          if (!dir.equals(target) && dir.getFileName().toString().equals(PartialFile.STATE_DIR)) {
            LOG.debug("not listing /{}: a pull's state folder", relOf(dir));
            return FileVisitResult.SKIP_SUBTREE;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
          if (a.isRegularFile()) {
            files.add(p);
          } else if (a.isSymbolicLink()) {
            try {
              Path real = p.toRealPath();
              if (real.startsWith(realRoot) && !inStateDir(relOf(real)) && Files.readAttributes(real,
                  BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
                files.add(p);
              } else {
                LOG.warn("skipping /{}: symlink leads outside the served root, into a state folder or not to a"
                    + " regular file", relOf(p));
              }
            } catch (IOException e) {
              LOG.warn("skipping dangling symlink /{}", relOf(p));
            }
          } else if (!a.isDirectory()) {
            LOG.warn("skipping /{}: {}, not a regular file (only regular files are listed and served)", relOf(p),
                RegularFile.kind(p, a));
          }
          if (files.size() > maxFiles) {
            throw new ShardlineException(ErrorCode.BAD_REQUEST,
                "/" + rel + " holds more than " + maxFiles + " files (server limit)");
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "listing /" + rel + " failed on the server: " + describe(e), e);
    }
    files.sort(Comparator.naturalOrder());
    for (Path p : files) {
      Path real;
      BasicFileAttributes a;
      try {
        real = p.toRealPath();
        a = RegularFile.check(real, relOf(p));
      } catch (IOException e) {
        throw new ShardlineException(ErrorCode.IO_ERROR, "listing /" + relOf(p) + " failed on the server: "
            + describe(e), e);
      }
      out.add(manifest(real, a, relOf(p), target.relativize(p).toString(), chunkSize));
    }
    return out;
  }

  /**
   * Resolves a wire path for reading: inside the root (symlinks followed, none leading out),
   * and neither it nor what it resolves to inside a {@value PartialFile#STATE_DIR} folder.
   */
  private Path resolve(String rel) {
    refuseStateDir(rel, rel);
    Path real = SafePath.resolveExisting(realRoot, rel);
    refuseStateDir(relOf(real), rel);
    return real;
  }

  /** Whether a path under the root has a segment named {@value PartialFile#STATE_DIR}. */
  private static boolean inStateDir(String rel) {
    for (String seg : rel.split("/")) {
      if (seg.equals(PartialFile.STATE_DIR)) {
        return true;
      }
    }
    return false;
  }

  private static void refuseStateDir(String checked, String rel) {
    if (inStateDir(checked)) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "/" + rel + " is in a " + PartialFile.STATE_DIR
          + " folder (a pull's partial files and journals); those are never served");
    }
  }

  private FileManifest manifest(Path real, BasicFileAttributes attrs, String path, String name, int chunkSize)
      throws IOException {
    ManifestCache.Sums sums;
    try {
      faults.check(path, -1);
      sums = cache.sums(real, attrs, chunkSize, () -> RegularFile.open(real, path));
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "computing the manifest of /" + path + " failed on the server: "
          + describe(e), e);
    }
    return new FileManifest(path, name, attrs.size(), attrs.lastModifiedTime().toMillis(), chunkSize,
        sums.crcs(), sums.root());
  }

  private String relOf(Path p) {
    return realRoot.relativize(p).toString().replace('\\', '/');
  }

  /**
   * The typed byte runs of a chunk of the file at {@code rel} (from its safetensors header, or
   * one untyped run for other files), cut at tensor boundaries.
   */
  public List<io.shardline.engine.codec.Segment> segments(String rel, long offset, int length) throws IOException {
    Path file = resolve(rel);
    try {
      BasicFileAttributes a = RegularFile.check(file, rel);
      String key = file + "|" + a.size() + "|" + a.lastModifiedTime().toInstant();
      DTypeMap map;
      synchronized (dtypes) {
        map = dtypes.get(key);
      }
      if (map == null) {
        try (FileChannel ch = RegularFile.open(file, rel)) {
          map = DTypeMap.of(ch, rel); // parses a safetensors header once per file version; others are untyped
        }
        synchronized (dtypes) {
          dtypes.put(key, map);
        }
      }
      return map.segments(offset, length);
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "reading /" + rel + " (its header) failed on the server: "
          + describe(e), e);
    }
  }

  /**
   * Reads {@code length} bytes at {@code offset} of the file at {@code rel}. A failed read (a
   * disk error, a file that became unreadable) is an {@code IO_ERROR} naming the file by its path
   * under the root (never the server's absolute path); the buffer is released.
   */
  public Chunk read(String rel, long offset, int length, ByteBufAllocator alloc) throws IOException {
    Path file = resolve(rel);
    try (FileChannel ch = RegularFile.open(file, rel)) {
      if (offset + length > ch.size()) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED,
            "/" + rel + " is now " + ch.size() + " bytes; range " + offset + "+" + length + " is past its end");
      }
      ByteBuf buf = alloc.directBuffer(length, length);
      try {
        faults.check(rel, offset);
        ChunkSums.readFully(ch, buf.internalNioBuffer(0, length), offset);
        buf.writerIndex(length);
        return new Chunk(buf, Crc32c.of(buf));
      } catch (IOException | RuntimeException e) {
        buf.release();
        throw e;
      }
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "reading /" + rel + " at offset " + offset
          + " failed on the server: " + describe(e), e);
    }
  }

  /** An I/O error in words, with the server's own root path left out. */
  private String describe(IOException e) {
    String type = e.getClass() == IOException.class ? "" : e.getClass().getSimpleName().replace("Exception", "") + ": ";
    String msg = e.getMessage() == null ? "" : e.getMessage().replace(realRoot.toString(), "<root>");
    return type + msg;
  }
}
