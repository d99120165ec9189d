package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.tensor.DTypeMap;
import java.io.IOException;

/**
 * A {@link ChunkSource.Handle} of an untyped file of known size whose every read is checked the
 * same way: the range must be one chunk of the manifest the handle was opened with (when there
 * is one) and lie inside the file, and the bytes read must have that chunk's CRC32C, else
 * {@code SOURCE_CHANGED}; the buffer is released on any failure. A store supplies only how the
 * bytes are fetched ({@link #fill}, or {@link #fetch} for bytes fetched ahead); {@link RemoteChunkSource}'s
 * handles are these.
 */
public abstract class CheckedHandle implements ChunkSource.Handle {
  private final String rel;
  private final long size;
  private final FileManifest expected;
  private final DTypeMap map;
  private volatile boolean closed;

  /**
   * @param size the file's size when it was opened
   * @param expected the manifest reads are checked against, or null (reads are unchecked)
   */
  protected CheckedHandle(String rel, long size, FileManifest expected) {
    this.rel = rel;
    this.size = size;
    this.expected = expected;
    this.map = DTypeMap.bytes(size);
  }

  @Override
  public final String path() {
    return rel;
  }

  @Override
  public final FileManifest manifest() {
    return expected;
  }

  /** The file's size when it was opened. */
  protected final long size() {
    return size;
  }

  /** Whether {@link #close()} was called. */
  protected final boolean closed() {
    return closed;
  }

  /**
   * Reads exactly {@code length} bytes at {@code offset} into {@code buf} (empty, of that capacity,
   * from {@link #allocate}); a file that ended early or was replaced is {@code SOURCE_CHANGED}, a
   * failing store an {@code IO_ERROR}.
   */
  protected abstract void fill(ByteBuf buf, long offset, int length) throws IOException;

  /**
   * The {@code length} bytes at {@code offset} in a buffer the caller then owns: by default one
   * {@link #allocate}d and {@link #fill}ed (released if that fails). A store that fetched the bytes
   * ahead hands those over instead; they are checked like any others.
   */
  protected ByteBuf fetch(ByteBufAllocator alloc, long offset, int length) throws IOException {
    ByteBuf buf = allocate(alloc, length);
    try {
      fill(buf, offset, length);
      return buf;
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw e;
    }
  }

  /** The buffer a chunk is read into; direct by default. */
  protected ByteBuf allocate(ByteBufAllocator alloc, int length) {
    return alloc.directBuffer(length, length);
  }

  @Override
  public final ChunkSource.Chunk read(long offset, int length, ByteBufAllocator alloc) throws IOException {
    if (closed) {
      throw new ShardlineException(ErrorCode.IO_ERROR, "/" + rel + " was closed on the server");
    }
    int index = chunkIndex(expected, rel, offset, length);
    if (offset < 0 || length <= 0 || offset + length > size) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "range " + offset + "+" + length + " of /" + rel
          + " is outside its " + size + " bytes");
    }
    ByteBuf buf = fetch(alloc, offset, length);
    try {
      int crc = Crc32c.of(buf);
      checkCrc(expected, rel, index, crc);
      return new ChunkSource.Chunk(buf, crc, map.segments(offset, length));
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
  }

  /** Marks the handle closed (reads after it fail), then {@link #release()}s once. */
  @Override
  public final void close() {
    if (!closed) {
      closed = true;
      release();
    }
  }

  /** Releases what the handle holds (an open stream); called once, by {@link #close()}. Nothing by default. */
  protected void release() {}

  /**
   * The index of the chunk {@code offset+length} is in {@code expected}, or -1 without a manifest;
   * a range that is not one of its chunks is {@code BAD_REQUEST}.
   */
  public static int chunkIndex(FileManifest expected, String rel, long offset, int length) {
    if (expected == null) {
      return -1;
    }
    int cs = expected.chunkSize();
    if (offset % cs != 0 || offset / cs >= expected.chunkCount() || expected.chunkLength((int) (offset / cs)) != length) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "range " + offset + "+" + length + " of /" + rel
          + " is not a chunk of its manifest (chunk size " + cs + ")");
    }
    return (int) (offset / cs);
  }

  /** {@code SOURCE_CHANGED} unless chunk {@code index} (-1: none) read with the CRC32C {@code expected} lists. */
  public static void checkCrc(FileManifest expected, String rel, int index, int crc) {
    if (index >= 0 && !expected.streamed() && crc != expected.chunkCrcs()[index]) {
      throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed since its manifest was made"
          + " (chunk " + index + ": CRC32C " + hex(crc) + ", listed " + hex(expected.chunkCrcs()[index]) + ")");
    }
  }

  private static String hex(int crc) {
    return String.format("%08x", crc);
  }
}
