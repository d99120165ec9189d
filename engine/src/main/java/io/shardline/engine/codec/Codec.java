package io.shardline.engine.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.tensor.Segment;
import java.util.List;

/**
 * A chunk codec. Encoding runs on the serving side's disk workers, decoding on the pulling
 * side's; neither ever runs on an event loop. Implementations are stateless and thread-safe.
 */
public interface Codec {
  /** Which codec this is (its wire id is carried in DATA frames, see {@code docs/protocol.md}). */
  CodecId id();

  /** Name used on the command line and in summaries: identity, zstd, planes. */
  String name();

  /**
   * Encodes the readable bytes of {@code raw} (one chunk, described by {@code segments}, which
   * cover it exactly). Returns a new buffer the caller owns, or {@code null} when the encoding
   * would not be smaller than the raw bytes. Does not take ownership of {@code raw} and does not
   * move its indices.
   */
  ByteBuf encode(ByteBuf raw, List<Segment> segments, ByteBufAllocator alloc);

  /**
   * Decodes the readable bytes of {@code encoded} into a new buffer of exactly {@code rawLength}
   * bytes, which the caller owns. Does not take ownership of {@code encoded}. Corrupt, short,
   * oversized or otherwise malformed input fails with a
   * {@link io.shardline.engine.error.ShardlineException} of code {@code BAD_ENCODING}, never with
   * another exception, a crash, a hang or an allocation larger than {@code rawLength} plus a
   * small constant.
   */
  ByteBuf decode(ByteBuf encoded, int rawLength, ByteBufAllocator alloc);

  /**
   * Like {@link #decode}, but takes ownership of {@code encoded}: it is released, or returned as
   * the result (identity does that after its length check, so a received chunk is not copied).
   */
  default ByteBuf decodeOwned(ByteBuf encoded, int rawLength, ByteBufAllocator alloc) {
    try {
      return decode(encoded, rawLength, alloc);
    } finally {
      encoded.release();
    }
  }
}
