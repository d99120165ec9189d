package io.shardline.engine.codec;

import static io.shardline.engine.codec.DirectView.bad;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.tensor.Segment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Codec 1: the whole chunk as one zstd frame, whatever its segments. The frame carries its
 * content size (which must equal the DATA frame's {@code raw_length}) and no checksum (the
 * chunk's CRC32C covers the decoded bytes). Compression runs on the chunk's direct buffer in
 * place and writes straight into the output buffer, bounded by the raw length minus one: a
 * chunk that does not shrink stops the compressor as soon as it runs out of room and encodes
 * to {@code null}.
 *
 * <p>Decoding checks the frame header before allocating anything: exactly one frame, spanning
 * the whole payload, declaring exactly {@code rawLength} bytes; the output buffer is then
 * {@code rawLength} bytes and the decompressor cannot write past it.
 */
public final class ZstdCodec implements Codec {
  /** Default compression level: fast enough for the serving side's disk workers. */
  public static final int DEFAULT_LEVEL = 1;

  private final int level;

  /** A codec at {@link #DEFAULT_LEVEL}. */
  public ZstdCodec() {
    this(DEFAULT_LEVEL);
  }

  /** A codec at zstd {@code level} (1 to 22, or negative for the fast levels). */
  public ZstdCodec(int level) {
    this.level = ZstdFrames.checkLevel(level);
  }

  @Override
  public CodecId id() {
    return CodecId.ZSTD;
  }

  @Override
  public String name() {
    return "zstd";
  }

  /** The compression level. */
  public int level() {
    return level;
  }

  @Override
  public ByteBuf encode(ByteBuf raw, List<Segment> segments, ByteBufAllocator alloc) {
    int n = raw.readableBytes();
    DirectView.checkCovers(segments, n);
    int cap = n - 1;
    if (cap < ZstdFrames.MIN_FRAME) {
      return null;
    }
    try (DirectView src = DirectView.of(raw, alloc, ByteOrder.BIG_ENDIAN)) {
      ByteBuf out = alloc.directBuffer(cap, cap);
      boolean done = false;
      try {
        ByteBuffer dst = DirectView.writable(out, cap);
        int m = ZstdFrames.compress(src.buf, 0, n, dst, 0, cap, level, ZstdFrames.GENERAL);
        if (m < 0) {
          return null;
        }
        out.writerIndex(m);
        done = true;
        return out;
      } finally {
        if (!done) {
          out.release();
        }
      }
    }
  }

  @Override
  public ByteBuf decode(ByteBuf encoded, int rawLength, ByteBufAllocator alloc) {
    int n = encoded.readableBytes();
    if (rawLength < 0 || n >= rawLength) {
      throw bad("zstd payload of " + n + " bytes for a chunk of " + rawLength + " (must be smaller)");
    }
    try (DirectView src = DirectView.of(encoded, alloc, ByteOrder.BIG_ENDIAN)) {
      ZstdFrames.checkFrame(src.buf, 0, n, rawLength);
      ByteBuf out = alloc.directBuffer(rawLength, rawLength);
      boolean done = false;
      try {
        ZstdFrames.decompress(src.buf, 0, n, DirectView.writable(out, rawLength), 0, rawLength);
        out.writerIndex(rawLength);
        done = true;
        return out;
      } finally {
        if (!done) {
          out.release();
        }
      }
    } catch (RuntimeException e) {
      throw DirectView.decodeFailure(name(), e);
    }
  }

  @Override
  public String toString() {
    return name() + "(" + level + ")";
  }
}
