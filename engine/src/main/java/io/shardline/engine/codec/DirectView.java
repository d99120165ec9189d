package io.shardline.engine.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.tensor.Segment;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A direct {@link ByteBuffer} over a {@link ByteBuf}'s readable bytes (position 0, limit = the
 * readable length), as zstd-jni needs. A direct buffer with one NIO component (a pooled chunk,
 * a slice of one) is viewed in place; anything else (heap, composite) is copied once into a
 * direct buffer from the allocator, which {@link #close()} releases. The {@code ByteBuf}'s
 * indices are not moved and its reference count is not touched.
 */
final class DirectView implements AutoCloseable {
  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

  /** The bytes; absolute offsets 0 to {@code limit()}. */
  final ByteBuffer buf;
  private ByteBuf copy;

  private DirectView(ByteBuffer buf, ByteBuf copy) {
    this.buf = buf;
    this.copy = copy;
  }

  /** Views (or copies) the readable bytes of {@code b}, in {@code order}. */
  static DirectView of(ByteBuf b, ByteBufAllocator alloc, ByteOrder order) {
    int n = b.readableBytes();
    if (n == 0) {
      return new DirectView(EMPTY.duplicate().order(order), null);
    }
    if (b.isDirect() && b.nioBufferCount() == 1) {
      return new DirectView(b.nioBuffer(b.readerIndex(), n).slice().order(order), null);
    }
    ByteBuf copy = alloc.directBuffer(n, n);
    try {
      copy.writeBytes(b, b.readerIndex(), n);
      return new DirectView(writable(copy, n).order(order), copy);
    } catch (Throwable t) {
      copy.release();
      throw t;
    }
  }

  /**
   * A direct, writable view of {@code out}'s first {@code length} bytes (of its capacity), in
   * big-endian order. Writes through it land in {@code out}; its writer index is not moved.
   */
  static ByteBuffer writable(ByteBuf out, int length) {
    if (length == 0) {
      return EMPTY.duplicate();
    }
    if (!out.isDirect() || out.nioBufferCount() != 1) {
      throw new IllegalStateException("the allocator gave a buffer without one direct NIO view: " + out);
    }
    return out.nioBuffer(0, length).slice();
  }

  @Override
  public void close() {
    if (copy != null) {
      copy.release();
      copy = null;
    }
  }

  /** A {@code BAD_ENCODING} error. */
  static ShardlineException bad(String message) {
    return new ShardlineException(ErrorCode.BAD_ENCODING, message);
  }

  /**
   * Wraps an unexpected failure while decoding (a bug, or a case the validation missed) as
   * {@code BAD_ENCODING}, as the {@link Codec#decode} contract requires; a
   * {@link ShardlineException} passes through.
   */
  static ShardlineException decodeFailure(String codec, RuntimeException e) {
    if (e instanceof ShardlineException s) {
      return s;
    }
    return new ShardlineException(ErrorCode.BAD_ENCODING, codec + ": cannot decode: " + e, e);
  }

  /**
   * Checks that {@code segments} cover {@code length} bytes exactly and in order, as the
   * {@link Codec#encode} contract requires of the caller.
   */
  static void checkCovers(List<Segment> segments, int length) {
    long at = 0;
    for (Segment s : segments) {
      if (s.offset() != at) {
        throw new IllegalArgumentException("segment " + s + " does not start at " + at);
      }
      at += s.length();
    }
    if (at != length) {
      throw new IllegalArgumentException("segments cover " + at + " bytes of a " + length + "-byte chunk");
    }
  }
}
