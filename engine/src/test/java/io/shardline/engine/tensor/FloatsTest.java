package io.shardline.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Floats}: exact widening, round-to-nearest-even narrowing, NaN kept. */
class FloatsTest {

  @ParameterizedTest
  @CsvSource({
      "0x0000, 0.0", "0x8000, -0.0", "0x3C00, 1.0", "0xC000, -2.0", "0x3555, 0.333251953125",
      "0x7BFF, 65504.0", "0x0400, 6.103515625E-5", "0x0001, 5.9604644775390625E-8", "0x03FF, 6.097555160522461E-5",
      "0x7C00, Infinity", "0xFC00, -Infinity"})
  void halfToFloat(String bits, float expected) {
    int h = Integer.decode(bits);
    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(Floats.f16ToFloat(h)));
    assertEquals(h, Floats.floatToF16(expected), "and back");
  }

  @Test
  void everyHalfRoundTripsThroughFloat() {
    for (int h = 0; h < 0x10000; h++) {
      float f = Floats.f16ToFloat(h);
      boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
      assertEquals(nan, Float.isNaN(f), Integer.toHexString(h));
      if (!nan) {
        assertEquals(h, Floats.floatToF16(f), Integer.toHexString(h));
      } else {
        assertTrue(Float.isNaN(Floats.f16ToFloat(Floats.floatToF16(f))), Integer.toHexString(h));
      }
    }
  }

  @Test
  void halfRoundsToNearestEven() {
    // Between 1 (0x3C00) and 1 + 2^-10 (0x3C01): the midpoint goes to the even one, just above it up.
    assertEquals(0x3C00, Floats.floatToF16(1f + 0x1p-11f));
    assertEquals(0x3C01, Floats.floatToF16(1f + 0x1p-11f + 0x1p-20f));
    assertEquals(0x3C02, Floats.floatToF16(1f + 3 * 0x1p-11f)); // 0x3C01.5 -> even 0x3C02
    assertEquals(0x7BFF, Floats.floatToF16(65519f));
    assertEquals(0x7C00, Floats.floatToF16(65520f));
    assertEquals(0x0000, Floats.floatToF16(0x1p-25f)); // half the smallest subnormal: ties to 0
    assertEquals(0x0001, Floats.floatToF16(0x1p-25f + 0x1p-40f));
    assertEquals(0x0400, Floats.floatToF16(0x1p-14f - 0x1p-26f)); // rounds up into the smallest normal
    assertEquals(0x8001, Floats.floatToF16(-0x1p-24f));
  }

  @Test
  void halfMatchesAReferenceOnRandomFloats() {
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 200_000; i++) {
      float f = Float.intBitsToFloat(r.nextInt());
      if (Float.isNaN(f)) {
        continue;
      }
      int h = Floats.floatToF16(f);
      double back = Floats.f16ToFloat(h);
      // nothing representable is closer than the chosen value
      if (Float.isFinite((float) back) && Math.abs(f) < 65504) {
        double err = Math.abs(back - f);
        double lo = Floats.f16ToFloat(h == 0 || h == 0x8000 ? h : h - 1);
        double hi = Floats.f16ToFloat(h + 1);
        assertTrue(err <= Math.abs(lo - f) && err <= Math.abs(hi - f), f + " -> " + Integer.toHexString(h));
      }
    }
  }

  @Test
  void bf16IsTheTopHalfRoundedToNearestEven() {
    assertEquals(1f, Floats.bf16ToFloat(0x3F80));
    assertEquals(-2f, Floats.bf16ToFloat(0xC000));
    assertEquals(0x3F80, Floats.floatToBf16(1f));
    assertEquals(0x3F80, Floats.floatToBf16(1f + 0x1p-8f)); // midpoint, to even
    assertEquals(0x3F81, Floats.floatToBf16(1f + 0x1p-8f + 0x1p-20f));
    assertEquals(0x3F82, Floats.floatToBf16(1f + 3 * 0x1p-8f)); // midpoint 0x3F81.5, to even
    assertEquals(0x7F80, Floats.floatToBf16(Float.MAX_VALUE)); // overflows to infinity
    assertEquals(0xFF80, Floats.floatToBf16(Float.NEGATIVE_INFINITY));
    assertEquals(0x8000, Floats.floatToBf16(-0f));
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = Floats.bf16ToFloat(bits);
      if (!Float.isNaN(f)) {
        assertEquals(bits, Floats.floatToBf16(f));
      }
    }
  }

  @Test
  void nanStaysNan() {
    // A signalling NaN whose payload lives only in the low 16 bits would truncate to infinity.
    float snan = Float.intBitsToFloat(0x7F800001);
    assertTrue(Float.isNaN(Floats.bf16ToFloat(Floats.floatToBf16(snan))));
    assertTrue(Float.isNaN(Floats.f16ToFloat(Floats.floatToF16(snan))));
    assertTrue(Float.isNaN(Floats.bf16ToFloat(Floats.floatToBf16(Float.NaN))));
    assertEquals(0xFFC0, Floats.floatToBf16(Float.intBitsToFloat(0xFFC00000)) & 0xFFC0, "sign kept");
  }

  @Test
  void fp8() {
    assertEquals(448f, Floats.e4m3ToFloat(0x7E));
    assertEquals(-448f, Floats.e4m3ToFloat(0xFE));
    assertTrue(Float.isNaN(Floats.e4m3ToFloat(0x7F)));
    assertEquals(1f, Floats.e4m3ToFloat(0x38));
    assertEquals(0x1p-9f, Floats.e4m3ToFloat(0x01));
    assertEquals(0x1p-6f, Floats.e4m3ToFloat(0x08));
    assertEquals(57344f, Floats.e5m2ToFloat(0x7B));
    assertEquals(Float.POSITIVE_INFINITY, Floats.e5m2ToFloat(0x7C));
    assertEquals(0x1p-16f, Floats.e5m2ToFloat(0x01));
  }

  @Test
  void valuesOfIntegerTypes() {
    assertEquals(-1.0, Floats.value(DType.I8, 0xFF));
    assertEquals(255.0, Floats.value(DType.U8, 0xFF));
    assertEquals(-2.0, Floats.value(DType.I16, 0xFFFE));
    assertEquals(4294967295.0, Floats.value(DType.U32, 0xFFFFFFFFL));
    assertEquals(-1.0, Floats.value(DType.I64, -1L));
    assertEquals(18446744073709551615.0, Floats.value(DType.U64, -1L));
    assertEquals(1.0, Floats.value(DType.BOOL, 1));
    assertEquals(0.1, Floats.value(DType.F64, Double.doubleToRawLongBits(0.1)));
  }
}
