package io.shardline.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link TensorDiff}: hand-computed norms for every float dtype, NaN and signed zeros, streaming. */
class TensorDiffTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
  void handComputedNorms(DType d) {
    // |1 - 1.5| + |2 - 2| + |-3 - -1| = 0.5 + 0 + 2 = 2.5; max 2; two elements differ
    TensorDiff.Result r = TensorDiff.compare(TestSafetensors.encode(d, 1f, 2f, -3f),
        TestSafetensors.encode(d, 1.5f, 2f, -1f), d);
    assertEquals(new TensorDiff.Result(3, 2, 0, 2.5, 2.0), r);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
  void identicalTensors(DType d) {
    byte[] a = TestSafetensors.encode(d, TestSafetensors.normal(1001, 0.02, 9));
    TensorDiff.Result r = TensorDiff.compare(a, a.clone(), d);
    assertTrue(r.identical());
    assertEquals(new TensorDiff.Result(1001, 0, 0, 0, 0), r);
  }

  @Test
  void otherTypes() {
    byte[] a = {1, 2, (byte) 0xFF, 4};
    byte[] b = {1, 5, (byte) 0x01, 4};
    assertEquals(new TensorDiff.Result(4, 2, 0, 5.0, 3.0), TensorDiff.compare(a, b, DType.I8)); // |2-5| + |-1-1|
    assertEquals(new TensorDiff.Result(4, 2, 0, 257.0, 254.0), TensorDiff.compare(a, b, DType.U8)); // 3 + 254
    assertEquals(new TensorDiff.Result(1, 1, 0, Math.abs(0x04FF0201 - 0x04010501), Math.abs(0x04FF0201 - 0x04010501)),
        TensorDiff.compare(a, b, DType.I32));
  }

  @Test
  void nanDifferencesAreCountedButStayOutOfTheNorm() {
    float nan2 = Float.intBitsToFloat(0x7FC00001); // another NaN payload
    byte[] a = TestSafetensors.f32(Float.NaN, Float.NaN, 1f, Float.NaN, 0f, 5f);
    byte[] b = TestSafetensors.f32(Float.NaN, nan2, Float.NaN, 3f, -0f, 4f);
    TensorDiff.Result r = TensorDiff.compare(a, b, DType.F32);
    // [0] same bits: equal. [1] [2] [3] involve NaN. [4] +0 vs -0: differs by 0. [5] differs by 1.
    assertEquals(new TensorDiff.Result(6, 5, 3, 1.0, 1.0), r);
  }

  @Test
  void infinitiesMakeTheNormInfinite() {
    TensorDiff.Result r = TensorDiff.compare(TestSafetensors.bf16(Float.POSITIVE_INFINITY, 1f),
        TestSafetensors.bf16(1f, 1f), DType.BF16);
    assertEquals(1, r.differing());
    assertEquals(Double.POSITIVE_INFINITY, r.l1());
    assertEquals(Double.POSITIVE_INFINITY, r.maxAbs());
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
  void streamsThroughFilesInBlocksAndMatchesADirectSum(DType d) throws IOException {
    int n = 50_003;
    float[] x = TestSafetensors.normal(n, 0.02, 11);
    float[] y = x.clone();
    SplittableRandom r = new SplittableRandom(12);
    for (int k = 0; k < 500; k++) {
      y[r.nextInt(n)] += (float) (r.nextGaussian() * 0.001);
    }
    for (int i = 20_000; i < 20_100; i++) {
      y[i] = -y[i]; // a dense run
    }
    byte[] ea = TestSafetensors.encode(d, x);
    byte[] eb = TestSafetensors.encode(d, y);
    long differing = 0;
    double l1 = 0;
    double max = 0;
    for (int i = 0; i < n; i++) {
      float va = TestSafetensors.decode(d, ea, i);
      float vb = TestSafetensors.decode(d, eb, i);
      if (Float.floatToRawIntBits(va) != Float.floatToRawIntBits(vb)) {
        differing++;
        l1 += Math.abs((double) va - vb);
        max = Math.max(max, Math.abs((double) va - vb));
      }
    }
    assertTrue(differing > 300, "the test changes values");
    // Different headers in front: the tensor sits at 13 in one file and 1000 in the other.
    Path pa = Files.write(dir.resolve("a"), concat(new byte[13], ea));
    Path pb = Files.write(dir.resolve("b"), concat(new byte[1000], eb));
    try (FileChannel ca = FileChannel.open(pa, StandardOpenOption.READ);
        FileChannel cb = FileChannel.open(pb, StandardOpenOption.READ)) {
      TensorDiff.Result res = new TensorDiff(4096 + 3).compare(ca, 13, cb, 1000, ea.length, d);
      assertEquals(n, res.elements());
      assertEquals(differing, res.differing());
      assertEquals(l1, res.l1(), l1 * 1e-12);
      assertEquals(max, res.maxAbs());
      assertEquals(TensorDiff.compare(ea, eb, d).differing(), res.differing());

      // Only a range: the elements outside it are not looked at.
      int w = d.width();
      TensorDiff.Result part = new TensorDiff().compare(ca, 13, cb, 1000, ea.length, d,
          List.of(new TensorDiff.Range(20_000L * w, 20_100L * w)));
      assertEquals(n, part.elements());
      assertEquals(100, part.differing());
    }
  }

  @Test
  void rejectsMisalignedRanges() throws IOException {
    Path p = Files.write(dir.resolve("a"), new byte[64]);
    try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
      TensorDiff diff = new TensorDiff(64);
      assertThrows(IllegalArgumentException.class, () -> diff.compare(c, 0, c, 0, 62, DType.F32));
      assertThrows(IllegalArgumentException.class,
          () -> diff.compare(c, 0, c, 0, 64, DType.F32, List.of(new TensorDiff.Range(2, 8))));
      assertThrows(IllegalArgumentException.class,
          () -> diff.compare(c, 0, c, 0, 64, DType.F32, List.of(new TensorDiff.Range(8, 16), new TensorDiff.Range(0, 4))));
      assertThrows(IllegalArgumentException.class,
          () -> diff.compare(c, 0, c, 0, 64, DType.F32, List.of(new TensorDiff.Range(0, 68))));
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
