package io.shardline.engine.tensor;

import io.shardline.engine.integrity.ChunkSums;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;

/**
 * How far two tensors of the same dtype and shape are apart, element by element: the number of
 * elements whose bits differ, the L1 norm of the difference Σ|xᵢ − yᵢ| and the largest |xᵢ − yᵢ|,
 * computed in double from exactly widened values ({@link Floats#value}).
 *
 * <p>NaN: an element pair whose bits differ and where either side is NaN counts as differing and
 * is also counted in {@code nanDiffering}, but adds nothing to L1 or max, so those stay finite
 * and comparable. Two NaNs with the same bits are equal. An infinity against a finite value (or
 * the opposite infinity) makes L1 and max infinite. +0 and −0 differ in their bits: they count as
 * differing, with |xᵢ − yᵢ| = 0.
 *
 * <p>Streams both files through two fixed blocks ({@link #BLOCK} bytes each), so memory does not
 * depend on tensor size. One instance per thread; blocking I/O.
 */
public final class TensorDiff {
  /** Bytes read from each file at a time (a multiple of every element width). */
  public static final int BLOCK = 4 << 20;

  private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** What differs between two tensors of {@code elements} elements. */
  public record Result(long elements, long differing, long nanDiffering, double l1, double maxAbs) {
    public boolean identical() {
      return differing == 0;
    }
  }

  /** A byte range {@code [from, to)} counted from the tensor's first byte, on element boundaries. */
  public record Range(long from, long to) {}

  private final byte[] blockA;
  private final byte[] blockB;

  public TensorDiff() {
    this(BLOCK);
  }

  /** With blocks of {@code blockBytes} (rounded down to a multiple of 8; tests use small ones). */
  public TensorDiff(int blockBytes) {
    int n = blockBytes / 8 * 8;
    if (n <= 0) {
      throw new IllegalArgumentException("block of " + blockBytes + " bytes");
    }
    blockA = new byte[n];
    blockB = new byte[n];
  }

  /** Compares the {@code length} bytes of a tensor at {@code startA} in one file and {@code startB} in the other. */
  public Result compare(FileChannel a, long startA, FileChannel b, long startB, long length, DType dtype) throws IOException {
    return compare(a, startA, b, startB, length, dtype, List.of(new Range(0, length)));
  }

  /**
   * Compares only the given ranges of the tensor (sorted, disjoint, element-aligned): the caller
   * knows the rest is byte-identical. {@code elements} in the result is the whole tensor's.
   */
  public Result compare(FileChannel a, long startA, FileChannel b, long startB, long length, DType dtype,
      List<Range> ranges) throws IOException {
    int w = dtype.width();
    if (length % w != 0) {
      throw new IllegalArgumentException(length + " bytes is not a whole number of " + dtype + " elements");
    }
    Acc acc = new Acc();
    long last = 0;
    for (Range r : ranges) {
      if (r.from() < last || r.to() < r.from() || r.to() > length || r.from() % w != 0 || r.to() % w != 0) {
        throw new IllegalArgumentException("range [" + r.from() + ", " + r.to() + ") of a " + length + "-byte " + dtype + " tensor");
      }
      last = r.to();
      for (long pos = r.from(); pos < r.to(); ) {
        int n = (int) Math.min(blockA.length, r.to() - pos);
        ChunkSums.readFully(a, ByteBuffer.wrap(blockA, 0, n), startA + pos);
        ChunkSums.readFully(b, ByteBuffer.wrap(blockB, 0, n), startB + pos);
        accumulate(blockA, blockB, n, dtype, acc);
        pos += n;
      }
    }
    return acc.result(length / w);
  }

  /** Compares two in-memory tensors (little-endian element bytes) of the same length. */
  public static Result compare(byte[] a, byte[] b, DType dtype) {
    if (a.length != b.length || a.length % dtype.width() != 0) {
      throw new IllegalArgumentException(a.length + " vs " + b.length + " bytes of " + dtype);
    }
    Acc acc = new Acc();
    accumulate(a, b, a.length, dtype, acc);
    return acc.result(a.length / dtype.width());
  }

  /** Adds the differences between the first {@code n} bytes of {@code a} and {@code b}. */
  static void accumulate(byte[] a, byte[] b, int n, DType dtype, Acc acc) {
    int w = dtype.width();
    double l1 = 0; // per block, then added: keeps the running sum from swamping small terms
    int pos = 0;
    while (pos < n) {
      int mm = Arrays.mismatch(a, pos, n, b, pos, n); // vectorized skip over equal bytes
      if (mm < 0) {
        break;
      }
      int el = pos + mm / w * w;
      long x = bits(a, el, w);
      long y = bits(b, el, w);
      do { // dense differences: walk element by element while they differ
        acc.differing++;
        double dx = Floats.value(dtype, x);
        double dy = Floats.value(dtype, y);
        if (Double.isNaN(dx) || Double.isNaN(dy)) {
          acc.nanDiffering++;
        } else {
          double d = Math.abs(dx - dy);
          l1 += d;
          if (d > acc.maxAbs) {
            acc.maxAbs = d;
          }
        }
        el += w;
        if (el >= n) {
          break;
        }
        x = bits(a, el, w);
        y = bits(b, el, w);
      } while (x != y);
      pos = el;
    }
    acc.l1 += l1;
  }

  private static long bits(byte[] buf, int i, int width) {
    return switch (width) {
      case 1 -> buf[i] & 0xffL;
      case 2 -> (short) I16.get(buf, i) & 0xffffL;
      case 4 -> (int) I32.get(buf, i) & 0xffffffffL;
      case 8 -> (long) I64.get(buf, i);
      default -> throw new IllegalArgumentException("width " + width);
    };
  }

  static final class Acc {
    long differing;
    long nanDiffering;
    double l1;
    double maxAbs;

    Result result(long elements) {
      return new Result(elements, differing, nanDiffering, l1, maxAbs);
    }
  }
}
