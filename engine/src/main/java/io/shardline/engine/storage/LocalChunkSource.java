package io.shardline.engine.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.tensor.DTypeMap;
import io.shardline.engine.delta.SegmentIndex;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local-disk {@link ChunkSource}: a read-only tree under a root. Lists manifests (sums kept
 * in a {@link ManifestCache}) and opens files as {@link LocalHandle}s. Every method blocks (file
 * I/O): call from a worker thread, never from an event loop. Only regular files are opened
 * ({@link RegularFile}): a FIFO or device in the tree is refused, never opened, so it cannot hold
 * a disk worker. Errors name paths under the root, never the root.
 */
public final class LocalChunkSource implements ChunkSource {
  private static final Logger LOG = LoggerFactory.getLogger(LocalChunkSource.class);

  private final Path realRoot;
  private final ManifestCache cache;
  private final int maxFiles;
  private final ReadFaults faults;
  private final long streamFrom;
  /**
   * Where streamed files are summed: a small pool of its own, so a long read for a manifest never
   * holds a disk worker that chunk reads need. Daemon threads, gone when idle.
   */
  private static final ThreadPoolExecutor SUMS = sumsPool();

  private static ThreadPoolExecutor sumsPool() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor p = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "shardline-sums-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    p.allowCoreThreadTimeOut(true);
    return p;
  }
  /**
   * Element-type maps by file version (real path, size, mtime, file key): a handle reopened for
   * the same version (after its eviction) does not parse the header again. Entries are small; a
   * 10,000-file tree must fit.
   */
  private final Cache<String, DTypeMap> dtypes = Caffeine.newBuilder().maximumSize(100_000).build();
  /**
   * Content-defined segments of file versions a delta pull asked for (v6 SEGMENTS), by version,
   * bounded by their memory (20 bytes a segment: ~300 KiB for a 1 GiB file at 64 KiB segments).
   */
  private final Cache<String, SegmentIndex> segmentCache = Caffeine.newBuilder()
      .maximumWeight(64L << 20).<String, SegmentIndex>weigher((k, v) -> 64 + 20 * v.size()).build();

  public LocalChunkSource(Path root, ManifestCache cache, int maxFiles) throws IOException {
    this(root, cache, maxFiles, ReadFaults.NONE);
  }

  public LocalChunkSource(Path root, ManifestCache cache, int maxFiles, ReadFaults faults) throws IOException {
    this(root, cache, maxFiles, faults, Long.MAX_VALUE);
  }

  /**
   * @param streamFrom files at least this large without known sums are listed streamed to clients
   *     that allow it (their sums computed in the background); {@code Long.MAX_VALUE}: never
   */
  public LocalChunkSource(Path root, ManifestCache cache, int maxFiles, ReadFaults faults, long streamFrom)
      throws IOException {
    this.faults = faults;
    this.streamFrom = streamFrom;
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
   * {@value LocalChunkSink#STATE_DIR} folders (a pull's partial files and journals, which change
   * while they are read) and symlinks that lead outside the root, into a state folder, or not to
   * a regular file.
   */
  @Override
  public List<FileManifest> list(String rel, int chunkSize) throws IOException {
    return list(rel, chunkSize, false);
  }

  @Override
  public List<FileManifest> list(String rel, int chunkSize, boolean stream) throws IOException {
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
      out.add(manifest(target, attrs, relOf(target), name, chunkSize, stream));
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
          if (!dir.equals(target) && dir.getFileName().toString().equals(LocalChunkSink.STATE_DIR)) {
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
      out.add(manifest(real, a, relOf(p), target.relativize(p).toString(), chunkSize, stream));
    }
    return out;
  }

  /**
   * Resolves a wire path for reading: inside the root (symlinks followed, none leading out),
   * and neither it nor what it resolves to inside a {@value LocalChunkSink#STATE_DIR} folder.
   */
  private Path resolve(String rel) {
    refuseStateDir(rel, rel);
    Path real = SafePath.resolveExisting(realRoot, rel);
    refuseStateDir(relOf(real), rel);
    return real;
  }

  /** Whether a path under the root has a segment named {@value LocalChunkSink#STATE_DIR}. */
  private static boolean inStateDir(String rel) {
    for (String seg : rel.split("/")) {
      if (seg.equals(LocalChunkSink.STATE_DIR)) {
        return true;
      }
    }
    return false;
  }

  private static void refuseStateDir(String checked, String rel) {
    if (inStateDir(checked)) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "/" + rel + " is in a " + LocalChunkSink.STATE_DIR
          + " folder (a pull's partial files and journals); those are never served");
    }
  }

  private FileManifest manifest(Path real, BasicFileAttributes attrs, String path, String name, int chunkSize,
      boolean stream) throws IOException {
    ManifestCache.Sums sums;
    try {
      faults.check(path, -1);
      if (stream && attrs.size() >= streamFrom) {
        sums = cache.peek(real, attrs, chunkSize);
        if (sums == null) {
          cache.computeLater(real, attrs, chunkSize, () -> RegularFile.open(real, path), SUMS);
          return FileManifest.streamed(path, name, attrs.size(), attrs.lastModifiedTime().toMillis(), chunkSize);
        }
      } else {
        sums = cache.sums(real, attrs, chunkSize, () -> RegularFile.open(real, path));
      }
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "computing the manifest of /" + path + " failed on the server: "
          + describe(e), e);
    }
    return new FileManifest(path, name, attrs.size(), attrs.lastModifiedTime().toMillis(), chunkSize,
        sums.crcs(), sums.hashes(), sums.root());
  }

  private String relOf(Path p) {
    return realRoot.relativize(p).toString().replace('\\', '/');
  }

  /**
   * Opens {@code rel} (resolved once: inside the root, symlinks followed, no state folder; a
   * regular file only). With {@code expected}, a file whose size or modification time differ from
   * the manifest's is {@code SOURCE_CHANGED} at once: it changed between LIST and GET.
   */
  @Override
  public LocalHandle open(String rel, FileManifest expected) throws IOException {
    Path file = resolve(rel);
    FileChannel ch;
    BasicFileAttributes version;
    try {
      ch = RegularFile.open(file, rel);
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "opening /" + rel + " failed on the server: " + describe(e), e);
    }
    try {
      version = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (expected != null && (version.size() != expected.size()
          || version.lastModifiedTime().toMillis() != expected.mtimeMillis())) {
        throw changed(rel, "since its manifest was made (now " + version.size() + " bytes)");
      }
      String key = file + "|" + version.size() + "|" + version.lastModifiedTime().toInstant() + "|" + version.fileKey();
      DTypeMap map = dtypes.getIfPresent(key);
      if (map == null) {
        map = DTypeMap.of(ch, rel); // parses a safetensors header once per file version; others are untyped
        dtypes.put(key, map);
      }
      return new LocalHandle(rel, file, ch, version, map, expected);
    } catch (RuntimeException e) {
      ch.close();
      throw e;
    } catch (IOException e) {
      ch.close();
      throw new ShardlineException(ErrorCode.IO_ERROR, "reading /" + rel + " (its header) failed on the server: "
          + describe(e), e);
    }
  }

  /**
   * A served path as it is now, for plain readers (the HTTPS front): resolved like {@link #open}
   * (inside the root, symlinks followed, never a state folder) and {@code lstat}ed. A path that
   * is neither a regular file nor a directory is {@code NOT_FOUND}.
   */
  public Node node(String rel) {
    Path real = resolve(rel);
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "no such file or directory: /" + rel);
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "reading /" + rel + " failed on the server: " + describe(e), e);
    }
    if (!a.isRegularFile() && !a.isDirectory()) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is " + RegularFile.kind(real, a)
          + ", not a regular file or a directory; only regular files are served");
    }
    return new Node(rel, real, a);
  }

  /** A served path resolved by {@link #node}: its path under the root, its real path, its attributes. */
  public record Node(String rel, Path real, BasicFileAttributes attrs) {}

  /**
   * Opens a regular file for plain positional reads (no manifest, no sums: the HTTPS front), at
   * the version {@link Node#attrs()} names: {@code SOURCE_CHANGED} if it changed since. Blocking.
   */
  public FileChannel openPlain(Node file) {
    try {
      FileChannel ch = RegularFile.open(file.real(), file.rel());
      BasicFileAttributes now = Files.readAttributes(file.real(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!sameVersion(file.attrs(), now)) {
        ch.close();
        throw changed(file.rel(), "while it was opened");
      }
      return ch;
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "opening /" + file.rel() + " failed on the server: "
          + describe(e), e);
    }
  }

  /** Whether {@code now} is still the file version {@code then} (same file key, size and modification time). */
  public static boolean sameVersion(BasicFileAttributes then, BasicFileAttributes now) {
    return now.isRegularFile() && now.size() == then.size() && now.lastModifiedTime().equals(then.lastModifiedTime())
        && (then.fileKey() == null || then.fileKey().equals(now.fileKey()));
  }

  /**
   * The entries of a served directory, one level, sorted by name, under the listing rules of
   * {@link #list}: state folders, special files and symlinks leading out of the root (or to
   * anything but a regular file or directory inside it) are left out. At most {@code maxFiles}
   * entries, else {@code BAD_REQUEST}. Blocking.
   */
  public List<Node> entries(Node dir) {
    if (!dir.attrs().isDirectory()) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + dir.rel() + " is not a directory");
    }
    List<Node> out = new ArrayList<>();
    try (var stream = Files.newDirectoryStream(dir.real())) {
      for (Path p : stream) {
        String name = p.getFileName().toString();
        if (name.equals(LocalChunkSink.STATE_DIR)) {
          continue;
        }
        String rel = dir.rel().isEmpty() ? name : dir.rel() + "/" + name;
        Node n;
        try {
          n = node(rel);
        } catch (ShardlineException e) {
          LOG.debug("not listing /{}: {}", rel, e.getMessage());
          continue;
        }
        out.add(n);
        if (out.size() > maxFiles) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST,
              "/" + dir.rel() + " holds more than " + maxFiles + " entries (server limit)");
        }
      }
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "listing /" + dir.rel() + " failed on the server: "
          + describe(e), e);
    }
    out.sort(Comparator.comparing(Node::rel));
    return out;
  }

  private static ShardlineException changed(String rel, String how) {
    return new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed on the source " + how
        + "; pull again for the new version");
  }

  /**
   * One open file: its real path, the version it was opened at (size, mtime, file key), its
   * element-type map and a read channel, for the life of a transfer. A chunk read costs one
   * {@code lstat} (is the path still this version of this file?) and one positional read: no path
   * resolution, no open or close. Thread-safe (positional reads).
   */
  public final class LocalHandle implements ChunkSource.Handle {
    private final String rel;
    private final Path real;
    private final FileChannel ch;
    private final BasicFileAttributes version;
    private final DTypeMap map;
    private final FileManifest expected;
    private volatile boolean closed;

    private LocalHandle(String rel, Path real, FileChannel ch, BasicFileAttributes version, DTypeMap map,
        FileManifest expected) {
      this.rel = rel;
      this.real = real;
      this.ch = ch;
      this.version = version;
      this.map = map;
      this.expected = expected;
    }

    @Override
    public String path() {
      return rel;
    }

    @Override
    public FileManifest manifest() {
      return expected;
    }

    /**
     * Reads a chunk. The path must still name the file this handle opened, unchanged (same file
     * key, size and modification time), and the bytes must have the manifest's chunk CRC (when a
     * manifest was given and the range is one of its chunks): otherwise {@code SOURCE_CHANGED}.
     * A failed read (a disk error) is an {@code IO_ERROR} naming the file by its path under the
     * root; the buffer is released.
     */
    @Override
    public Chunk read(long offset, int length, ByteBufAllocator alloc) throws IOException {
      return read(offset, length, alloc, CheckedHandle.chunkIndex(expected, rel, offset, length));
    }

    /** Any range, checked against the version this handle opened (not a chunk CRC). */
    @Override
    public Chunk readRange(long offset, int length, ByteBufAllocator alloc) throws IOException {
      if (offset < 0 || length <= 0 || offset + length > version.size()) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, "range " + offset + "+" + length + " is not inside /" + rel
            + " (" + version.size() + " bytes)");
      }
      return read(offset, length, alloc, -1);
    }

    /**
     * The file's content-defined segments, cut once per version (size, modification time, file
     * key) and kept in the source's segment cache; the file must not change while it is cut.
     */
    @Override
    public SegmentIndex segments() throws IOException {
      String key = real + "|" + version.size() + "|" + version.lastModifiedTime().toInstant() + "|" + version.fileKey();
      SegmentIndex cut = segmentCache.getIfPresent(key);
      if (cut == null) {
        cut = SegmentIndex.of(ch, 0, version.size());
        BasicFileAttributes after = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (after.size() != version.size() || !after.lastModifiedTime().equals(version.lastModifiedTime())) {
          throw changed(rel, "while it was cut into segments");
        }
        segmentCache.put(key, cut);
      }
      return cut;
    }

    private Chunk read(long offset, int length, ByteBufAllocator alloc, int index) throws IOException {
      if (closed) {
        throw new ShardlineException(ErrorCode.IO_ERROR, "/" + rel + " was closed on the server");
      }
      BasicFileAttributes now;
      try {
        now = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        now = null;
      } catch (IOException e) {
        throw new ShardlineException(ErrorCode.IO_ERROR, "reading /" + rel + " at offset " + offset
            + " failed on the server: " + describe(e), e);
      }
      if (now == null || !now.isRegularFile() || (version.fileKey() != null && !version.fileKey().equals(now.fileKey()))) {
        // Replaced (an atomic rename: a push's publish) or removed since it was opened: this handle
        // keeps reading the version it opened, whose bytes its channel still holds, as long as that
        // file is as long as it was; every chunk is still checked against its manifest's CRC.
        if (ch.size() != version.size() || offset + length > version.size()) {
          throw changed(rel, now == null ? "(it was removed since it was opened)" : "(it was replaced since it was opened)");
        }
      } else if (offset + length > now.size()) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED,
            "/" + rel + " is now " + now.size() + " bytes; range " + offset + "+" + length + " is past its end");
      } else if (now.size() != version.size() || !now.lastModifiedTime().equals(version.lastModifiedTime())) {
        throw changed(rel, "since it was opened (now " + now.size() + " bytes, modified "
            + now.lastModifiedTime() + ")");
      }
      ByteBuf buf = alloc.directBuffer(length, length);
      try {
        try {
          faults.check(rel, offset);
          ChunkSums.readFully(ch, buf.internalNioBuffer(0, length), offset);
        } catch (IOException e) {
          throw new ShardlineException(ErrorCode.IO_ERROR, "reading /" + rel + " at offset " + offset
              + " failed on the server: " + describe(e), e);
        }
        buf.writerIndex(length);
        int crc = Crc32c.of(buf);
        if (index >= 0 && !expected.streamed() && crc != expected.chunkCrcs()[index]) {
          throw changed(rel, "since its manifest was made (chunk " + index + ": CRC32C " + hex(crc)
              + ", listed " + hex(expected.chunkCrcs()[index]) + ")");
        }
        return new Chunk(buf, crc, map.segments(offset, length));
      } catch (RuntimeException e) {
        buf.release();
        throw e;
      }
    }

    @Override
    public void close() {
      closed = true;
      try {
        ch.close();
      } catch (IOException e) {
        LOG.debug("closing /{}: {}", rel, e.toString());
      }
    }
  }

  private static String hex(int crc) {
    return String.format("%08x", crc);
  }

  /** An I/O error in words, with the server's own root path left out. */
  private String describe(IOException e) {
    String type = e.getClass() == IOException.class ? "" : e.getClass().getSimpleName().replace("Exception", "") + ": ";
    String msg = e.getMessage() == null ? "" : e.getMessage().replace(realRoot.toString(), "<root>");
    return type + msg;
  }
}
