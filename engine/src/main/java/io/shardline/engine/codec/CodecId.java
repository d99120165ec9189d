package io.shardline.engine.codec;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;

/**
 * The chunk codecs of the protocol, with their wire ids (the {@code codec} byte of DATA, the bit
 * {@code 1 << id} in a {@link CodecMask}). identity since v1; zstd and planes since v2.
 */
public enum CodecId {
  IDENTITY(0),
  ZSTD(1),
  PLANES(2);

  private static final CodecId[] BY_WIRE = values();

  private final int wire;

  CodecId(int wire) {
    this.wire = wire;
  }

  /** The id on the wire. */
  public int wire() {
    return wire;
  }

  /** This codec's bit in a wire codec mask. */
  int bit() {
    return 1 << wire;
  }

  /** Whether {@code id} names a codec of this protocol version. */
  public static boolean known(int id) {
    return id >= 0 && id < BY_WIRE.length;
  }

  /** The codec with wire id {@code id}; an unknown id fails with {@code MALFORMED_FRAME}. */
  public static CodecId fromWire(int id) {
    if (!known(id)) {
      throw new ShardlineException(ErrorCode.MALFORMED_FRAME, "unknown codec id " + id);
    }
    return BY_WIRE[id];
  }
}
