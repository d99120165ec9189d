package io.shardline.engine.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BytePlanes} against a byte-by-byte reference, for every width, length and alignment. */
class BytePlanesTest {

  /** Plane k, element i = byte k of element i. */
  static byte[] referenceSplit(byte[] elems, int n, int width) {
    byte[] planes = new byte[n * width];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < width; k++) {
        planes[k * n + i] = elems[i * width + k];
      }
    }
    return planes;
  }

  static ByteBuffer buffer(boolean direct, int size) {
    ByteBuffer b = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    return b.order(ByteOrder.LITTLE_ENDIAN);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4, 8})
  void splitAndMergeMatchTheReference(int width) {
    Random r = new Random(width);
    int[] lengths = new int[80];
    for (int i = 0; i < 70; i++) {
      lengths[i] = i;
    }
    int[] big = {127, 128, 129, 1000, 4093, 65_536, 65_543};
    System.arraycopy(big, 0, lengths, 70, big.length);
    for (int n : lengths) {
      for (int srcOff : new int[] {0, 3}) {
        for (boolean direct : new boolean[] {true, false}) {
          byte[] elems = new byte[n * width];
          r.nextBytes(elems);
          ByteBuffer src = buffer(direct, srcOff + elems.length);
          src.put(srcOff, elems);
          int dstOff = 5;
          ByteBuffer planes = buffer(!direct, dstOff + elems.length);
          BytePlanes.split(src, srcOff, planes, dstOff, n, width);
          byte[] got = new byte[elems.length];
          planes.get(dstOff, got);
          assertArrayEquals(referenceSplit(elems, n, width), got, "split " + n + " x " + width);

          ByteBuffer back = buffer(direct, 7 + elems.length);
          BytePlanes.merge(planes, dstOff, back, 7, n, width);
          byte[] merged = new byte[elems.length];
          back.get(7, merged);
          assertArrayEquals(elems, merged, "merge " + n + " x " + width);
        }
      }
    }
  }

  @Test
  void rejectsBadArguments() {
    ByteBuffer le = buffer(true, 64);
    assertThrows(IllegalArgumentException.class, () -> BytePlanes.split(le, 0, le, 0, 4, 3));
    assertThrows(IllegalArgumentException.class, () -> BytePlanes.split(le, 0, le, 0, 4, 1));
    ByteBuffer be = ByteBuffer.allocateDirect(64);
    assertThrows(IllegalArgumentException.class, () -> BytePlanes.split(be, 0, le, 0, 4, 2));
    assertThrows(IllegalArgumentException.class, () -> BytePlanes.merge(le, 0, be, 0, 4, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> BytePlanes.split(le, 0, le, 0, 9, 8));
    assertThrows(IndexOutOfBoundsException.class, () -> BytePlanes.merge(le, 1, le, 0, 8, 8));
    assertThrows(IndexOutOfBoundsException.class, () -> BytePlanes.split(le, 0, le, 0, -1, 2));
  }
}
