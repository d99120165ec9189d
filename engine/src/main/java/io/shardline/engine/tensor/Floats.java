package io.shardline.engine.tensor;

/**
 * Conversions between FP32 and the small float formats of tensor files, on raw bit patterns
 * (Java 17 has no {@code Float.float16ToFloat}). Widening is exact; narrowing rounds to nearest,
 * ties to even. NaN stays NaN (its sign and top payload bits are kept, and it is made quiet so
 * that truncating the payload can never turn it into an infinity).
 */
public final class Floats {
  private Floats() {}

  /** BF16 (the top 16 bits of an FP32) to float: exact. */
  public static float bf16ToFloat(int bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** Float to BF16 bits, rounding to nearest even; overflow gives infinity. */
  public static int floatToBf16(float f) {
    int x = Float.floatToRawIntBits(f);
    if ((x & 0x7fffffff) > 0x7f800000) {
      return ((x >>> 16) | 0x0040) & 0xffff; // NaN: keep sign and top payload, set the quiet bit
    }
    int rounded = x + 0x7fff + ((x >>> 16) & 1);
    return (rounded >>> 16) & 0xffff;
  }

  /** IEEE 754 binary16 to float: exact (subnormals, infinities and NaN payloads included). */
  public static float f16ToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f; // exact: an 11-bit integer times a power of two
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Float to binary16 bits, rounding to nearest even; magnitudes from 65520 up give infinity. */
  public static int floatToF16(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int ax = x & 0x7fffffff;
    if (ax >= 0x7f800000) {
      return ax == 0x7f800000 ? sign | 0x7c00 : sign | 0x7e00 | ((ax >>> 13) & 0x3ff);
    }
    if (ax >= 0x477ff000) { // 65520 = halfway from 65504 (odd) to 65536: rounds to infinity
      return sign | 0x7c00;
    }
    if (ax < 0x38800000) { // below 2^-14: a subnormal (or zero) in units of 2^-24
      double scaled = Float.intBitsToFloat(ax) * 0x1p24; // exact
      return sign | (int) Math.rint(scaled); // 1024 is the smallest normal's encoding: still right
    }
    int h = ((((ax >>> 23) - 112) << 10) | ((ax >>> 13) & 0x3ff));
    int rest = ax & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
      h++; // a carry into the exponent is the right result, up to infinity
    }
    return sign | h;
  }

  /** FP8 E4M3 ("fn": no infinities; S.1111.111 is NaN; max 448) to float: exact. */
  public static float e4m3ToFloat(int bits) {
    int exp = (bits >>> 3) & 0xf;
    int mant = bits & 0x7;
    float v;
    if (exp == 0xf && mant == 0x7) {
      v = Float.NaN;
    } else if (exp == 0) {
      v = mant * 0x1p-9f;
    } else {
      v = Math.scalb((float) (8 + mant), exp - 10);
    }
    return (bits & 0x80) != 0 ? -v : v;
  }

  /** FP8 E5M2 (the top byte of a binary16) to float: exact. */
  public static float e5m2ToFloat(int bits) {
    return f16ToFloat((bits & 0xff) << 8);
  }

  /**
   * The value of one element given its raw little-endian bits (zero-extended to 64), as a
   * double: exact for every float type and for integers up to 2^53 in magnitude.
   */
  public static double value(DType dtype, long bits) {
    return switch (dtype) {
      case F64 -> Double.longBitsToDouble(bits);
      case F32 -> Float.intBitsToFloat((int) bits);
      case BF16 -> bf16ToFloat((int) bits);
      case F16 -> f16ToFloat((int) bits);
      case F8_E4M3 -> e4m3ToFloat((int) bits);
      case F8_E5M2 -> e5m2ToFloat((int) bits);
      case I8 -> (byte) bits;
      case I16 -> (short) bits;
      case I32 -> (int) bits;
      case I64 -> bits;
      case U64 -> bits >= 0 ? bits : (double) (bits >>> 1) * 2.0 + (bits & 1);
      case BOOL, U8, U16, U32, BYTES -> bits; // zero-extended already
    };
  }
}
