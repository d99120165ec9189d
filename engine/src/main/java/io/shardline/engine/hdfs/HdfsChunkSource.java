package io.shardline.engine.hdfs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.CheckedHandle;
import io.shardline.engine.storage.RemoteChunkSource;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A chunk source over the files under an HDFS path ({@code serve --root hdfs://NN:PORT/PATH}), a
 * {@link RemoteChunkSource}. LIST: the file at the path, or every file below it (a recursive
 * {@code listFiles}; a pull's {@code .shardline} state and partial files of a pull in progress are
 * skipped); manifests are computed once per file version (path, length, modification time) with
 * one streamed read. GET: a positional read ({@code pread},
 * {@link FSDataInputStream#readFully(long, byte[], int, int)}) on the handle's one open stream, so
 * lanes read chunks of a file concurrently without seeking; each chunk is checked against the
 * manifest's CRC32C and a file whose length or modification time moved is {@code SOURCE_CHANGED},
 * never shipped. Every method blocks (RPC to the NameNode, DataNode reads): call from worker
 * threads. Files are served untyped.
 */
public final class HdfsChunkSource extends RemoteChunkSource {
  private static final Logger LOG = LoggerFactory.getLogger(HdfsChunkSource.class);

  private final FileSystem fs;
  private final HdfsLocation root;

  /** @param fs the NameNode's file system (from {@link HdfsClients#open}); the caller closes it */
  public HdfsChunkSource(FileSystem fs, HdfsLocation root, ManifestCache cache, int maxFiles) {
    super(root.toString(), cache, maxFiles, "files");
    this.fs = fs;
    this.root = root;
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
  protected String problem(String name) {
    return HdfsNames.problem(name);
  }

  /** One {@code getFileStatus}; for a folder, a recursive {@code listFiles}. */
  @Override
  protected List<Listed> listed(String rel) {
    HdfsLocation at = root.resolve(rel);
    try {
      FileStatus st = status(at);
      if (st == null) {
        throw new ShardlineException(ErrorCode.NOT_FOUND, "no file or folder /" + rel + " under " + root);
      }
      if (st.isFile()) {
        return List.of(file(rel, st.getLen(), st.getModificationTime(), null));
      }
      String base = at.path().equals("/") ? "/" : at.path() + "/";
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(new Path(at.path()), true);
      Below found = below(rel);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        String full = f.getPath().toUri().getPath();
        if (full.startsWith(base)) {
          found.add(full.substring(base.length()), f.getLen(), f.getModificationTime(), null);
        }
      }
      return found.sorted();
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw HdfsErrors.of(e, "listing", at, ErrorCode.IO_ERROR);
    }
  }

  /** The status of the path at {@code at}, or null when there is none. */
  private FileStatus status(HdfsLocation at) throws IOException {
    try {
      return fs.getFileStatus(new Path(at.path()));
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  @Override
  protected String cacheKey(Listed f) {
    return root.fileSystem() + root.path(f.path()) + "|" + f.mtimeMillis();
  }

  /** One streamed read. */
  @Override
  protected ChunkSums.Computed sum(Listed f, int chunkSize) throws IOException {
    String full = root.path(f.path());
    try (FSDataInputStream in = fs.open(new Path(full))) {
      return sums(in, f.size(), chunkSize, root.fileSystem() + full);
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw HdfsErrors.of(e, "reading for its manifest", new HdfsLocation(root.host(), root.port(), full),
          ErrorCode.IO_ERROR);
    }
  }

  /**
   * Opens the file at {@code rel} once (one stream for every chunk read); with {@code expected},
   * a file whose length or modification time no longer matches it is {@code SOURCE_CHANGED}.
   */
  @Override
  protected Handle openChecked(String rel, FileManifest expected) {
    HdfsLocation at = root.resolve(rel);
    try {
      FileStatus st = status(at);
      if (st == null) {
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

  /** One open file being served: positional reads on one stream. */
  private static final class HdfsHandle extends CheckedHandle {
    private final HdfsLocation at;
    private final FSDataInputStream in;

    HdfsHandle(String rel, HdfsLocation at, FSDataInputStream in, long size, FileManifest expected) {
      super(rel, size, expected);
      this.at = at;
      this.in = in;
    }

    /** A heap buffer: {@code readFully} fills its array. */
    @Override
    protected ByteBuf allocate(ByteBufAllocator alloc, int length) {
      return alloc.heapBuffer(length, length);
    }

    @Override
    protected void fill(ByteBuf buf, long offset, int length) {
      try {
        // pread: no shared position, so concurrent reads of one stream are safe.
        in.readFully(offset, buf.array(), buf.arrayOffset(), length);
        buf.writerIndex(length);
      } catch (EOFException e) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + path() + " is shorter than when it was opened"
            + " (reading " + offset + "+" + length + ")", e);
      } catch (IOException e) {
        throw HdfsErrors.of(e, "reading offset " + offset + " of", at, ErrorCode.IO_ERROR);
      }
    }

    @Override
    protected void release() {
      try {
        in.close();
      } catch (IOException e) {
        LOG.debug("closing {}: {}", at, e.toString());
      }
    }
  }
}
