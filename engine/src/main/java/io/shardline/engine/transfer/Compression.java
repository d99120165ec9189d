package io.shardline.engine.transfer;

import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecMask;
import java.util.Locale;

/** What a pull asks the server to compress with. */
public enum Compression {
  /** The server decides per chunk: compress what shrinks, when the link is slower than compressing. */
  AUTO(CodecMask.all().withAuto(true)),
  /** Never compress. */
  NONE(CodecMask.of(CodecId.IDENTITY)),
  /** zstd every chunk that shrinks. */
  ZSTD(CodecMask.of(CodecId.IDENTITY, CodecId.ZSTD)),
  /** Byte planes for typed floats, zstd for the rest, every chunk that shrinks. */
  PLANES(CodecMask.of(CodecId.IDENTITY, CodecId.ZSTD, CodecId.PLANES));

  private final CodecMask mask;

  Compression(CodecMask mask) {
    this.mask = mask;
  }

  /** The codec mask sent in each GET. */
  public CodecMask mask() {
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
