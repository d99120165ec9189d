package io.shardline.engine.codec;

import static io.shardline.engine.codec.DirectView.bad;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.tensor.Segment;
import java.util.List;

/**
 * Codec 0: the chunk's bytes as they are. It never makes a chunk smaller, so {@link #encode}
 * always answers {@code null} (the caller sends the raw chunk); {@link #decode} copies the
 * payload into a new buffer after checking that its length is the raw length;
 * {@link #decodeOwned} checks the length and hands the payload itself back (no copy).
 */
public final class IdentityCodec implements Codec {

  @Override
  public CodecId id() {
    return CodecId.IDENTITY;
  }

  @Override
  public String name() {
    return "identity";
  }

  /** Always {@code null}: the identity encoding is never smaller than the chunk. */
  @Override
  public ByteBuf encode(ByteBuf raw, List<Segment> segments, ByteBufAllocator alloc) {
    DirectView.checkCovers(segments, raw.readableBytes());
    return null;
  }

  @Override
  public ByteBuf decode(ByteBuf encoded, int rawLength, ByteBufAllocator alloc) {
    int n = encoded.readableBytes();
    if (rawLength < 0 || n != rawLength) {
      throw bad("identity payload of " + n + " bytes for a chunk of " + rawLength);
    }
    ByteBuf out = alloc.directBuffer(n, n);
    try {
      return out.writeBytes(encoded, encoded.readerIndex(), n);
    } catch (RuntimeException e) {
      out.release();
      throw DirectView.decodeFailure(name(), e);
    }
  }

  /** Checks the length and returns {@code encoded} itself (ownership passes back to the caller). */
  @Override
  public ByteBuf decodeOwned(ByteBuf encoded, int rawLength, ByteBufAllocator alloc) {
    int n = encoded.readableBytes();
    if (rawLength < 0 || n != rawLength) {
      encoded.release();
      throw bad("identity payload of " + n + " bytes for a chunk of " + rawLength);
    }
    return encoded;
  }

  @Override
  public String toString() {
    return name();
  }
}
