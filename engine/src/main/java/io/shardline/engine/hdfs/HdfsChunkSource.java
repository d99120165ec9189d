package io.shardline.engine.hdfs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.tensor.DTypeMap;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkSource} over the files under an HDFS path ({@code serve --root hdfs://NN:PORT/PATH}).
 * LIST: the file at the path, or every file below it (a recursive {@code listFiles}; names that
 * are not safe relative names, a pull's {@code .shardline} state and partial files of a pull in
 * progress are skipped); manifests are computed once per file version (path, length,
 * modification time) with one streamed read and kept in the {@link ManifestCache} like a local
 * file's. GET: a positional read ({@code pread}, {@link FSDataInputStream#readFully(long, byte[], int, int)})
 * on the handle's one open stream, so lanes read chunks of a file concurrently without seeking;
 * each chunk is checked against the manifest's CRC32C and a file whose length or modification time
 * moved is {@code SOURCE_CHANGED}, never shipped. Every method blocks (RPC to the NameNode,
 * DataNode reads): call from worker threads. Files are served untyped.
 */
public final class HdfsChunkSource implements ChunkSource {
  private static final Logger LOG = LoggerFactory.getLogger(HdfsChunkSource.class);
  /** Bytes per read while summing a file. */
  private static final int SUM_BUFFER = 1 << 20;

  private final FileSystem fs;
  private final HdfsLocation root;
  private final ManifestCache cache;
  private final int maxFiles;

  /** @param fs the NameNode's file system (from {@link HdfsClients#open}); the caller closes it */
  public HdfsChunkSource(FileSystem fs, HdfsLocation root, ManifestCache cache, int maxFiles) {
    this.fs = fs;
    this.root = root;
    this.cache = cache;
    this.maxFiles = maxFiles;
  }

  /**
   * Checks that the root exists and can be read (one {@code getFileStatus}): the NameNode answers
   * and the path is there. Exists so {@code serve} fails at start with one clear error.
   */
  public void check() {
    try {
      fs.getFileStatus(new Path(root.path()));
    } catch (IOException e) {
      throw HdfsErrors.of(e, "checking", root, ErrorCode.IO_ERROR);
    }
  }

  @Override
  public List<FileManifest> list(String rel, int chunkSize) throws IOException {
    String problem = rel.isEmpty() ? null : HdfsNames.problem(rel);
    if (problem != null) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "/" + rel + " is not a path under " + root + ": " + problem);
    }
    HdfsLocation at = root.resolve(rel);
    List<FileManifest> out = new ArrayList<>();
    try {
      FileStatus st;
      try {
        st = fs.getFileStatus(new Path(at.path()));
      } catch (FileNotFoundException e) {
        throw new ShardlineException(ErrorCode.NOT_FOUND, "no file or folder /" + rel + " under " + root);
      }
      if (st.isFile()) {
        out.add(manifest(rel, rel.substring(rel.lastIndexOf('/') + 1), st, chunkSize));
        return out;
      }
      String base = at.path().equals("/") ? "/" : at.path() + "/";
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(new Path(at.path()), true);
      List<FileStatus> files = new ArrayList<>();
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        String full = f.getPath().toUri().getPath();
        if (!full.startsWith(base)) {
          continue;
        }
        String name = full.substring(base.length());
        String bad = HdfsNames.problem(name);
        if (bad != null) {
          LOG.debug("not listing {}{}: {}", root.fileSystem(), full, bad);
          continue;
        }
        files.add(f);
        if (files.size() > maxFiles) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST, "/" + rel + " holds more than " + maxFiles
              + " files (server limit)");
        }
      }
      files.sort(Comparator.comparing(f -> f.getPath().toUri().getPath()));
      for (FileStatus f : files) {
        String name = f.getPath().toUri().getPath().substring(base.length());
        out.add(manifest(rel.isEmpty() ? name : rel + "/" + name, name, f, chunkSize));
      }
      return out;
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw HdfsErrors.of(e, "listing", at, ErrorCode.IO_ERROR);
    }
  }

  private FileManifest manifest(String path, String name, FileStatus st, int chunkSize) throws IOException {
    String full = root.path(path);
    ManifestCache.Sums sums = cache.sums(root.fileSystem() + full + "|" + st.getModificationTime(), st.getLen(),
        chunkSize, () -> sum(full, st.getLen(), chunkSize));
    return new FileManifest(path, name, st.getLen(), st.getModificationTime(), chunkSize, sums.crcs(), sums.root());
  }

  /** The CRC32C of every chunk of one file version: one streamed read. */
  private int[] sum(String full, long size, int chunkSize) throws IOException {
    int[] crcs = new int[FileManifest.chunkCount(size, chunkSize)];
    if (size == 0) {
      return crcs;
    }
    byte[] buf = new byte[SUM_BUFFER];
    try (FSDataInputStream in = fs.open(new Path(full))) {
      CRC32C crc = new CRC32C();
      long pos = 0;
      int chunk = 0;
      while (pos < size) {
        int want = (int) Math.min(buf.length, Math.min(size - pos, (long) (chunk + 1) * chunkSize - pos));
        int n = in.read(buf, 0, want);
        if (n < 0) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, root.fileSystem() + full + " ended at " + pos
              + " bytes while it was summed; it was listed with " + size);
        }
        crc.update(buf, 0, n);
        pos += n;
        if (pos == (long) (chunk + 1) * chunkSize || pos == size) {
          crcs[chunk++] = (int) crc.getValue();
          crc.reset();
        }
      }
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw HdfsErrors.of(e, "reading for its manifest", new HdfsLocation(root.host(), root.port(), full),
          ErrorCode.IO_ERROR);
    }
    return crcs;
  }

  /**
   * Opens the file at {@code rel} once (one stream for every chunk read); with {@code expected},
   * a file whose length or modification time no longer matches it is {@code SOURCE_CHANGED}.
   */
  @Override
  public Handle open(String rel, FileManifest expected) throws IOException {
    String problem = HdfsNames.problem(rel);
    if (problem != null) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "/" + rel + " is not a path under " + root + ": " + problem);
    }
    HdfsLocation at = root.resolve(rel);
    try {
      FileStatus st;
      try {
        st = fs.getFileStatus(new Path(at.path()));
      } catch (FileNotFoundException e) {
        throw new ShardlineException(expected != null ? ErrorCode.SOURCE_CHANGED : ErrorCode.NOT_FOUND,
            "/" + rel + " is no longer a file under " + root);
      }
      if (!st.isFile()) {
        throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is not a file under " + root);
      }
      if (expected != null && (st.getLen() != expected.size() || st.getModificationTime() != expected.mtimeMillis())) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed since its manifest was made"
            + " (now " + st.getLen() + " bytes, modified at " + st.getModificationTime() + ")");
      }
      return new HdfsHandle(rel, at, fs.open(st.getPath()), st.getLen(), expected);
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw HdfsErrors.of(e, "opening", at, ErrorCode.IO_ERROR);
    }
  }

  /** One open file being served: positional reads on one stream, checked against the manifest. */
  private static final class HdfsHandle implements Handle {
    private final String rel;
    private final HdfsLocation at;
    private final FSDataInputStream in;
    private final long size;
    private final FileManifest expected;
    private final DTypeMap map;
    private volatile boolean closed;

    HdfsHandle(String rel, HdfsLocation at, FSDataInputStream in, long size, FileManifest expected) {
      this.rel = rel;
      this.at = at;
      this.in = in;
      this.size = size;
      this.expected = expected;
      this.map = DTypeMap.bytes(size);
    }

    @Override
    public String path() {
      return rel;
    }

    @Override
    public FileManifest manifest() {
      return expected;
    }

    @Override
    public Chunk read(long offset, int length, ByteBufAllocator alloc) throws IOException {
      if (closed) {
        throw new ShardlineException(ErrorCode.IO_ERROR, "/" + rel + " was closed on the server");
      }
      int index = -1;
      if (expected != null) {
        int cs = expected.chunkSize();
        if (offset % cs != 0 || offset / cs >= expected.chunkCount() || expected.chunkLength((int) (offset / cs)) != length) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST, "range " + offset + "+" + length + " of /" + rel
              + " is not a chunk of its manifest (chunk size " + cs + ")");
        }
        index = (int) (offset / cs);
      }
      if (offset < 0 || length <= 0 || offset + length > size) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, "range " + offset + "+" + length + " of /" + rel
            + " is outside its " + size + " bytes");
      }
      ByteBuf buf = alloc.heapBuffer(length, length);
      try {
        try {
          // pread: no shared position, so concurrent reads of one stream are safe.
          in.readFully(offset, buf.array(), buf.arrayOffset(), length);
          buf.writerIndex(length);
        } catch (EOFException e) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " is shorter than when it was opened"
              + " (reading " + offset + "+" + length + ")", e);
        } catch (IOException e) {
          throw HdfsErrors.of(e, "reading offset " + offset + " of", at, ErrorCode.IO_ERROR);
        }
        int crc = Crc32c.of(buf);
        if (index >= 0 && !expected.streamed() && crc != expected.chunkCrcs()[index]) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed since its manifest was made"
              + " (chunk " + index + ": CRC32C " + String.format("%08x", crc) + ", listed "
              + String.format("%08x", expected.chunkCrcs()[index]) + ")");
        }
        return new Chunk(buf, crc, map.segments(offset, length));
      } catch (RuntimeException e) {
        buf.release();
        throw e;
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        try {
          in.close();
        } catch (IOException e) {
          LOG.debug("closing {}: {}", at, e.toString());
        }
      }
    }
  }
}
