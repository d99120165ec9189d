package io.shardline.engine.transfer;

import io.shardline.engine.wire.Protocol;
import java.util.Locale;

/** What a pull asks the server to compress with. */
public enum Compression {
  /** The server decides per chunk: compress what shrinks, when the link is slower than compressing. */
  AUTO(Protocol.bit(Protocol.CODEC_IDENTITY) | Protocol.bit(Protocol.CODEC_ZSTD) | Protocol.bit(Protocol.CODEC_PLANES)
      | Protocol.MASK_AUTO),
  /** Never compress. */
  NONE(Protocol.bit(Protocol.CODEC_IDENTITY)),
  /** zstd every chunk that shrinks. */
  ZSTD(Protocol.bit(Protocol.CODEC_IDENTITY) | Protocol.bit(Protocol.CODEC_ZSTD)),
  /** Byte planes for typed floats, zstd for the rest, every chunk that shrinks. */
  PLANES(Protocol.bit(Protocol.CODEC_IDENTITY) | Protocol.bit(Protocol.CODEC_ZSTD) | Protocol.bit(Protocol.CODEC_PLANES));

  private final int mask;

  Compression(int mask) {
    this.mask = mask;
  }

  /** The codec mask sent in each GET. */
  public int mask() {
    return mask;
  }

  public static Compression parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--compression must be auto, none, zstd or planes, got '" + s + "'");
    }
  }
}
