package io.shardline.engine.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;

/**
 * Byte-plane transposition, the transform under {@link PlanesCodec}: {@code n} elements of
 * {@code width} bytes become {@code width} planes of {@code n} bytes, plane {@code k} holding byte
 * {@code k} of every element. For little-endian floats the last plane holds the sign and the top
 * exponent bits, which compress well; the mantissa planes are close to noise.
 *
 * <p>The kernels move 8 elements per step as {@code width} longs in and {@code width} longs out:
 * the 8 x width byte matrix is transposed with mask-and-shift swaps of 32-, 16- and 8-bit blocks
 * inside registers, so there is one 8-byte load and one 8-byte store per 8 bytes. Leftover
 * elements (fewer than 8) go byte by byte. Widths 2, 4 and 8 are supported; both buffers must be
 * direct or heap {@link ByteBuffer}s in {@link ByteOrder#LITTLE_ENDIAN} order, and offsets are
 * absolute (positions and limits are neither used nor moved).
 */
public final class BytePlanes {
  private static final long LO32 = 0x0000_0000_FFFF_FFFFL;
  private static final long HI32 = 0xFFFF_FFFF_0000_0000L;
  private static final long LO16 = 0x0000_FFFF_0000_FFFFL;
  private static final long LO8 = 0x00FF_00FF_00FF_00FFL;

  private BytePlanes() {}

  /**
   * Splits {@code n} elements of {@code width} bytes, starting at {@code src[srcOff]}, into
   * {@code width} planes: plane {@code k} goes to {@code dst[dstOff + k * n ..]}.
   */
  public static void split(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int n, int width) {
    check(src, srcOff, dst, dstOff, n, width);
    switch (width) {
      case 2 -> split2(src, srcOff, dst, dstOff, n);
      case 4 -> split4(src, srcOff, dst, dstOff, n);
      default -> split8(src, srcOff, dst, dstOff, n);
    }
  }

  /**
   * The inverse of {@link #split}: {@code width} planes of {@code n} bytes at
   * {@code src[srcOff + k * n ..]} become {@code n} elements at {@code dst[dstOff ..]}.
   */
  public static void merge(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int n, int width) {
    check(src, srcOff, dst, dstOff, n, width);
    switch (width) {
      case 2 -> merge2(src, srcOff, dst, dstOff, n);
      case 4 -> merge4(src, srcOff, dst, dstOff, n);
      default -> merge8(src, srcOff, dst, dstOff, n);
    }
  }

  private static void check(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int n, int width) {
    if (width != 2 && width != 4 && width != 8) {
      throw new IllegalArgumentException("width " + width + " (2, 4 or 8)");
    }
    if (src.order() != ByteOrder.LITTLE_ENDIAN || dst.order() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalArgumentException("buffers must be little-endian");
    }
    long bytes = (long) n * width;
    if (n < 0 || srcOff < 0 || dstOff < 0 || srcOff + bytes > src.limit() || dstOff + bytes > dst.limit()) {
      throw new IndexOutOfBoundsException(n + " x " + width + " bytes at " + srcOff + " -> " + dstOff);
    }
  }

  // Within one long (byte i at bits 8i): swap bytes 1,2 and 5,6, then 16-bit units 1,2:
  // [a0 a1 b0 b1 c0 c1 d0 d1] -> [a0 b0 c0 d0 a1 b1 c1 d1]. interleave() is the inverse.
  private static long deinterleave(long x) {
    long t = (x ^ (x >>> 8)) & 0x0000_FF00_0000_FF00L;
    x ^= t ^ (t << 8);
    t = (x ^ (x >>> 16)) & 0x0000_0000_FFFF_0000L;
    return x ^ t ^ (t << 16);
  }

  // [a0 a1 a2 a3 b0 b1 b2 b3] -> [a0 b0 a1 b1 a2 b2 a3 b3]
  private static long interleave(long x) {
    long t = (x ^ (x >>> 16)) & 0x0000_0000_FFFF_0000L;
    x ^= t ^ (t << 16);
    t = (x ^ (x >>> 8)) & 0x0000_FF00_0000_FF00L;
    return x ^ t ^ (t << 8);
  }

  private static void split2(ByteBuffer s, int so, ByteBuffer d, int d0, int n) {
    int d1 = d0 + n;
    int i = 0;
    for (; i <= n - 8; i += 8) {
      long x = deinterleave(s.getLong(so + 2 * i));
      long y = deinterleave(s.getLong(so + 2 * i + 8));
      d.putLong(d0 + i, (x & LO32) | (y << 32));
      d.putLong(d1 + i, (x >>> 32) | (y & HI32));
    }
    for (; i < n; i++) {
      d.put(d0 + i, s.get(so + 2 * i));
      d.put(d1 + i, s.get(so + 2 * i + 1));
    }
  }

  /** Longs per plane in one block of {@link #merge2}. */
  private static final int BLOCK = 4096;
  /** Per thread: two plane blocks in, one element block out (128 KiB). */
  private static final ThreadLocal<long[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new long[][] {new long[BLOCK], new long[BLOCK], new long[2 * BLOCK]});

  /**
   * Width 2 (BF16, FP16), the decode a pulling client runs: blocks of the planes are copied into
   * long arrays in bulk, interleaved there and copied out in bulk. The client's JIT is C1 only (the
   * launcher's choice for short-lived pulls), which does not inline the {@code ByteBuffer}
   * accessors the other kernels call per long: 400 MB/s that way against 2.1 GB/s in blocks (C2
   * runs both at 2-6 GB/s).
   */
  private static void merge2(ByteBuffer s, int s0, ByteBuffer d, int dO, int n) {
    int s1 = s0 + n;
    long[][] scratch = SCRATCH.get();
    long[] p0 = scratch[0];
    long[] p1 = scratch[1];
    long[] out = scratch[2];
    int i = 0;
    while (n - i >= 8) {
      int m = Math.min(BLOCK, (n - i) / 8);
      longs(s, s0 + i, m).get(p0, 0, m);
      longs(s, s1 + i, m).get(p1, 0, m);
      for (int k = 0; k < m; k++) {
        long a = p0[k];
        long b = p1[k];
        out[2 * k] = interleave((a & LO32) | (b << 32));
        out[2 * k + 1] = interleave((a >>> 32) | (b & HI32));
      }
      longs(d, dO + 2 * i, 2 * m).put(out, 0, 2 * m);
      i += 8 * m;
    }
    for (; i < n; i++) {
      d.put(dO + 2 * i, s.get(s0 + i));
      d.put(dO + 2 * i + 1, s.get(s1 + i));
    }
  }

  /** A little-endian view of {@code count} longs of {@code b} at byte offset {@code off}. */
  private static LongBuffer longs(ByteBuffer b, int off, int count) {
    ByteBuffer v = b.duplicate();
    v.limit(off + count * 8).position(off);
    return v.slice().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
  }

  // Width 4: interleave() makes each long's 16-bit unit k hold byte k of its two elements; a
  // 4 x 4 transpose of 16-bit units across four longs (32-bit swaps, then 16-bit swaps) then
  // gathers unit k of every long into plane k.
  private static void split4(ByteBuffer s, int so, ByteBuffer d, int d0, int n) {
    int d1 = d0 + n;
    int d2 = d1 + n;
    int d3 = d2 + n;
    int i = 0;
    for (; i <= n - 8; i += 8) {
      int p = so + 4 * i;
      long l0 = interleave(s.getLong(p));
      long l1 = interleave(s.getLong(p + 8));
      long l2 = interleave(s.getLong(p + 16));
      long l3 = interleave(s.getLong(p + 24));
      long a0 = (l0 & LO32) | (l2 << 32);
      long a2 = (l0 >>> 32) | (l2 & HI32);
      long a1 = (l1 & LO32) | (l3 << 32);
      long a3 = (l1 >>> 32) | (l3 & HI32);
      d.putLong(d0 + i, (a0 & LO16) | ((a1 & LO16) << 16));
      d.putLong(d1 + i, ((a0 >>> 16) & LO16) | (a1 & ~LO16));
      d.putLong(d2 + i, (a2 & LO16) | ((a3 & LO16) << 16));
      d.putLong(d3 + i, ((a2 >>> 16) & LO16) | (a3 & ~LO16));
    }
    for (; i < n; i++) {
      int p = so + 4 * i;
      d.put(d0 + i, s.get(p));
      d.put(d1 + i, s.get(p + 1));
      d.put(d2 + i, s.get(p + 2));
      d.put(d3 + i, s.get(p + 3));
    }
  }

  private static void merge4(ByteBuffer s, int s0, ByteBuffer d, int dO, int n) {
    int s1 = s0 + n;
    int s2 = s1 + n;
    int s3 = s2 + n;
    int i = 0;
    for (; i <= n - 8; i += 8) {
      long p0 = s.getLong(s0 + i);
      long p1 = s.getLong(s1 + i);
      long p2 = s.getLong(s2 + i);
      long p3 = s.getLong(s3 + i);
      long a0 = (p0 & LO16) | ((p1 & LO16) << 16);
      long a1 = ((p0 >>> 16) & LO16) | (p1 & ~LO16);
      long a2 = (p2 & LO16) | ((p3 & LO16) << 16);
      long a3 = ((p2 >>> 16) & LO16) | (p3 & ~LO16);
      int p = dO + 4 * i;
      d.putLong(p, deinterleave((a0 & LO32) | (a2 << 32)));
      d.putLong(p + 8, deinterleave((a1 & LO32) | (a3 << 32)));
      d.putLong(p + 16, deinterleave((a0 >>> 32) | (a2 & HI32)));
      d.putLong(p + 24, deinterleave((a1 >>> 32) | (a3 & HI32)));
    }
    for (; i < n; i++) {
      int p = dO + 4 * i;
      d.put(p, s.get(s0 + i));
      d.put(p + 1, s.get(s1 + i));
      d.put(p + 2, s.get(s2 + i));
      d.put(p + 3, s.get(s3 + i));
    }
  }

  // Width 8: an 8 x 8 byte transpose of eight longs. Swapping 32-bit blocks between longs i and
  // i+4 exchanges bit 2 of the row index with bit 2 of the byte index; 16-bit blocks between i
  // and i+2, and bytes between i and i+1, do the same for bits 1 and 0.
  private static void split8(ByteBuffer s, int so, ByteBuffer d, int d0, int n) {
    int i = 0;
    for (; i <= n - 8; i += 8) {
      int p = so + 8 * i;
      long l0 = s.getLong(p);
      long l1 = s.getLong(p + 8);
      long l2 = s.getLong(p + 16);
      long l3 = s.getLong(p + 24);
      long l4 = s.getLong(p + 32);
      long l5 = s.getLong(p + 40);
      long l6 = s.getLong(p + 48);
      long l7 = s.getLong(p + 56);
      long t;
      t = l0; l0 = (t & LO32) | (l4 << 32); l4 = (t >>> 32) | (l4 & HI32);
      t = l1; l1 = (t & LO32) | (l5 << 32); l5 = (t >>> 32) | (l5 & HI32);
      t = l2; l2 = (t & LO32) | (l6 << 32); l6 = (t >>> 32) | (l6 & HI32);
      t = l3; l3 = (t & LO32) | (l7 << 32); l7 = (t >>> 32) | (l7 & HI32);
      t = l0; l0 = (t & LO16) | ((l2 & LO16) << 16); l2 = ((t >>> 16) & LO16) | (l2 & ~LO16);
      t = l1; l1 = (t & LO16) | ((l3 & LO16) << 16); l3 = ((t >>> 16) & LO16) | (l3 & ~LO16);
      t = l4; l4 = (t & LO16) | ((l6 & LO16) << 16); l6 = ((t >>> 16) & LO16) | (l6 & ~LO16);
      t = l5; l5 = (t & LO16) | ((l7 & LO16) << 16); l7 = ((t >>> 16) & LO16) | (l7 & ~LO16);
      t = l0; l0 = (t & LO8) | ((l1 & LO8) << 8); l1 = ((t >>> 8) & LO8) | (l1 & ~LO8);
      t = l2; l2 = (t & LO8) | ((l3 & LO8) << 8); l3 = ((t >>> 8) & LO8) | (l3 & ~LO8);
      t = l4; l4 = (t & LO8) | ((l5 & LO8) << 8); l5 = ((t >>> 8) & LO8) | (l5 & ~LO8);
      t = l6; l6 = (t & LO8) | ((l7 & LO8) << 8); l7 = ((t >>> 8) & LO8) | (l7 & ~LO8);
      d.putLong(d0 + i, l0);
      d.putLong(d0 + n + i, l1);
      d.putLong(d0 + 2 * n + i, l2);
      d.putLong(d0 + 3 * n + i, l3);
      d.putLong(d0 + 4 * n + i, l4);
      d.putLong(d0 + 5 * n + i, l5);
      d.putLong(d0 + 6 * n + i, l6);
      d.putLong(d0 + 7 * n + i, l7);
    }
    for (; i < n; i++) {
      for (int k = 0; k < 8; k++) {
        d.put(d0 + k * n + i, s.get(so + 8 * i + k));
      }
    }
  }

  private static void merge8(ByteBuffer s, int s0, ByteBuffer d, int dO, int n) {
    int i = 0;
    for (; i <= n - 8; i += 8) {
      long l0 = s.getLong(s0 + i);
      long l1 = s.getLong(s0 + n + i);
      long l2 = s.getLong(s0 + 2 * n + i);
      long l3 = s.getLong(s0 + 3 * n + i);
      long l4 = s.getLong(s0 + 4 * n + i);
      long l5 = s.getLong(s0 + 5 * n + i);
      long l6 = s.getLong(s0 + 6 * n + i);
      long l7 = s.getLong(s0 + 7 * n + i);
      long t;
      t = l0; l0 = (t & LO32) | (l4 << 32); l4 = (t >>> 32) | (l4 & HI32);
      t = l1; l1 = (t & LO32) | (l5 << 32); l5 = (t >>> 32) | (l5 & HI32);
      t = l2; l2 = (t & LO32) | (l6 << 32); l6 = (t >>> 32) | (l6 & HI32);
      t = l3; l3 = (t & LO32) | (l7 << 32); l7 = (t >>> 32) | (l7 & HI32);
      t = l0; l0 = (t & LO16) | ((l2 & LO16) << 16); l2 = ((t >>> 16) & LO16) | (l2 & ~LO16);
      t = l1; l1 = (t & LO16) | ((l3 & LO16) << 16); l3 = ((t >>> 16) & LO16) | (l3 & ~LO16);
      t = l4; l4 = (t & LO16) | ((l6 & LO16) << 16); l6 = ((t >>> 16) & LO16) | (l6 & ~LO16);
      t = l5; l5 = (t & LO16) | ((l7 & LO16) << 16); l7 = ((t >>> 16) & LO16) | (l7 & ~LO16);
      t = l0; l0 = (t & LO8) | ((l1 & LO8) << 8); l1 = ((t >>> 8) & LO8) | (l1 & ~LO8);
      t = l2; l2 = (t & LO8) | ((l3 & LO8) << 8); l3 = ((t >>> 8) & LO8) | (l3 & ~LO8);
      t = l4; l4 = (t & LO8) | ((l5 & LO8) << 8); l5 = ((t >>> 8) & LO8) | (l5 & ~LO8);
      t = l6; l6 = (t & LO8) | ((l7 & LO8) << 8); l7 = ((t >>> 8) & LO8) | (l7 & ~LO8);
      int p = dO + 8 * i;
      d.putLong(p, l0);
      d.putLong(p + 8, l1);
      d.putLong(p + 16, l2);
      d.putLong(p + 24, l3);
      d.putLong(p + 32, l4);
      d.putLong(p + 40, l5);
      d.putLong(p + 48, l6);
      d.putLong(p + 56, l7);
    }
    for (; i < n; i++) {
      for (int k = 0; k < 8; k++) {
        d.put(dO + 8 * i + k, s.get(s0 + k * n + i));
      }
    }
  }
}
