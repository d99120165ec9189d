package io.shardline.engine.tensor;

import java.util.Locale;

/** Element types of tensors (safetensors names), with their width in bytes. */
public enum DType {
  /** Bytes of no known type (headers, metadata, unknown formats). */
  BYTES(1, false),
  BOOL(1, false),
  U8(1, false),
  I8(1, false),
  F8_E4M3(1, true),
  F8_E5M2(1, true),
  I16(2, false),
  U16(2, false),
  F16(2, true),
  BF16(2, true),
  I32(4, false),
  U32(4, false),
  F32(4, true),
  I64(8, false),
  U64(8, false),
  F64(8, true);

  private final int width;
  private final boolean floating;

  DType(int width, boolean floating) {
    this.width = width;
    this.floating = floating;
  }

  /** Bytes per element. */
  public int width() {
    return width;
  }

  /** True for floating-point types (whose sign/exponent byte compresses well). */
  public boolean floating() {
    return floating;
  }

  /** The type for a safetensors dtype string ("BF16", "F32", ...), or null if unknown. */
  public static DType fromSafetensors(String name) {
    try {
      return DType.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A wire id (its ordinal), stable within a protocol version. */
  public int id() {
    return ordinal();
  }

  public static DType ofId(int id) {
    DType[] all = values();
    return id >= 0 && id < all.length ? all[id] : null;
  }
}
