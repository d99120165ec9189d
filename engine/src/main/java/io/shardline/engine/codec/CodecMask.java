package io.shardline.engine.codec;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.util.Locale;

/**
 * An immutable set of {@link CodecId}s plus the <i>auto</i> flag: what a client decodes (HELLO,
 * v2) or allows for one chunk (GET, v2). On the wire a mask is bit {@code 1 << id} per codec and
 * {@link #AUTO_BIT} for auto; {@link #fromWire} refuses any other bit.
 */
public final class CodecMask {
  /** The wire bit that means "the server picks among the allowed codecs adaptively" (GET, v2). */
  public static final int AUTO_BIT = 0x80;
  private static final int CODEC_BITS = (1 << CodecId.values().length) - 1;

  private final int bits;

  private CodecMask(int bits) {
    this.bits = bits;
  }

  /** The mask of exactly these codecs, without auto. */
  public static CodecMask of(CodecId... ids) {
    int b = 0;
    for (CodecId id : ids) {
      b |= id.bit();
    }
    return new CodecMask(b);
  }

  /** Every codec of this version, without auto. */
  public static CodecMask all() {
    return new CodecMask(CODEC_BITS);
  }

  /**
   * The mask for wire bits {@code wire}. A bit for no known codec (or above the auto bit) fails
   * with {@code MALFORMED_FRAME}.
   */
  public static CodecMask fromWire(int wire) {
    if ((wire & ~(CODEC_BITS | AUTO_BIT)) != 0) {
      throw new ShardlineException(ErrorCode.MALFORMED_FRAME, "codec mask 0x" + Integer.toHexString(wire)
          + " has bits for no known codec (known: 0x" + Integer.toHexString(CODEC_BITS | AUTO_BIT) + ")");
    }
    return new CodecMask(wire);
  }

  public boolean contains(CodecId id) {
    return (bits & id.bit()) != 0;
  }

  /** This mask plus {@code id}. */
  public CodecMask with(CodecId id) {
    return new CodecMask(bits | id.bit());
  }

  /** Whether the server may choose among the codecs per chunk. */
  public boolean auto() {
    return (bits & AUTO_BIT) != 0;
  }

  /** This mask with the auto flag set or cleared. */
  public CodecMask withAuto(boolean auto) {
    return new CodecMask(auto ? bits | AUTO_BIT : bits & ~AUTO_BIT);
  }

  /** The codecs in both masks; auto only if this mask has it. */
  public CodecMask retain(CodecMask other) {
    return new CodecMask(bits & ((other.bits & CODEC_BITS) | AUTO_BIT));
  }

  /** The wire bits. */
  public int toWire() {
    return bits;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CodecMask m && m.bits == bits;
  }

  @Override
  public int hashCode() {
    return bits;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{");
    for (CodecId id : CodecId.values()) {
      if (contains(id)) {
        s.append(s.length() > 1 ? ", " : "").append(id.name().toLowerCase(Locale.ROOT));
      }
    }
    return s.append(auto() ? (s.length() > 1 ? ", auto}" : "auto}") : "}").toString();
  }
}
