package io.shardline.engine.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The segments of one byte range of a file, back to back: offsets, lengths and hashes in three
 * arrays (20 bytes a segment, no object per segment: a 32 GiB file has ~500k of them), and a
 * lookup by (hash, length) for the side that holds the bytes. Immutable; safe to share.
 */
public final class SegmentIndex {
  /** Bytes read per positional read when indexing a file. */
  public static final int READ_BLOCK = 4 << 20;

  private final long start;
  private final long[] offsets;
  private final int[] lengths;
  private final long[] hashes;
  /** Open-addressing table of segment index + 1 (0: empty), built on the first {@link #find}. */
  private volatile int[] table;

  private SegmentIndex(long start, long[] offsets, int[] lengths, long[] hashes) {
    this.start = start;
    this.offsets = offsets;
    this.lengths = lengths;
    this.hashes = hashes;
  }

  /** The segments of {@code b[off..off+len)}, a range that starts at offset {@code start} of its file. */
  public static SegmentIndex of(byte[] b, int off, int len, long start, GearChunker chunker) {
    Segmenter s = new Segmenter(chunker, start);
    s.update(b, off, len);
    return s.finish();
  }

  /** The segments of all of {@code b} with the default chunker, as a file of its own. */
  public static SegmentIndex of(byte[] b) {
    return of(b, 0, b.length, 0, new GearChunker());
  }

  /**
   * The segments of {@code [start, start+length)} of {@code ch}, read with positional reads of
   * {@link #READ_BLOCK} bytes into one buffer (blocking: call it on a worker thread).
   *
   * @throws IOException when a read fails, or the file ends before the range does
   */
  public static SegmentIndex of(FileChannel ch, long start, long length, GearChunker chunker) throws IOException {
    if (start < 0 || length < 0) {
      throw new IllegalArgumentException("bad range " + start + "+" + length);
    }
    Segmenter s = new Segmenter(chunker, start);
    ByteBuffer block = ByteBuffer.allocate((int) Math.min(READ_BLOCK, Math.max(length, 1)));
    long pos = start;
    long end = start + length;
    while (pos < end) {
      block.clear().limit((int) Math.min(block.capacity(), end - pos));
      while (block.hasRemaining()) {
        int n = ch.read(block, pos + block.position());
        if (n < 0) {
          throw new IOException("file ended at " + (pos + block.position()) + ", before " + end);
        }
      }
      pos += block.position();
      block.flip();
      s.update(block);
    }
    return s.finish();
  }

  /** The default chunker's segments of {@code [start, start+length)} of {@code ch}. */
  public static SegmentIndex of(FileChannel ch, long start, long length) throws IOException {
    return of(ch, start, length, new GearChunker());
  }

  /** Offset in the file of the range's first byte. */
  public long start() {
    return start;
  }

  /** Offset just past the range's last byte. */
  public long end() {
    int n = lengths.length;
    return n == 0 ? start : offsets[n - 1] + lengths[n - 1];
  }

  public int size() {
    return lengths.length;
  }

  public long offset(int i) {
    return offsets[i];
  }

  public int length(int i) {
    return lengths[i];
  }

  public long hash(int i) {
    return hashes[i];
  }

  /** The first segment that ends after {@code pos} (so holds it, if {@code pos} is in the range), or {@link #size()}. */
  public int firstEndingAfter(long pos) {
    int lo = 0;
    int hi = lengths.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (offsets[mid] + lengths[mid] <= pos) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * The segments that overlap {@code [from, to)}, whole (so the first may start before
   * {@code from} and the last end after {@code to}): what a server sends for one chunk. None,
   * starting at {@code from}, when nothing overlaps.
   */
  public SegmentIndex covering(long from, long to) {
    if (to < from) {
      throw new IllegalArgumentException("bad range [" + from + ", " + to + ")");
    }
    int a = to == from ? lengths.length : firstEndingAfter(from);
    int b = a;
    while (b < lengths.length && offsets[b] < to) {
      b++;
    }
    if (a == b) {
      return new SegmentIndex(from, new long[0], new int[0], new long[0]);
    }
    return new SegmentIndex(offsets[a], Arrays.copyOfRange(offsets, a, b), Arrays.copyOfRange(lengths, a, b),
        Arrays.copyOfRange(hashes, a, b));
  }

  /**
   * The segment with this hash and length (the first such, when several are equal), or -1: where
   * a copy of the bytes lies here.
   */
  public int find(long hash, int length) {
    int[] t = table;
    if (t == null) {
      t = buildTable();
      table = t;
    }
    int mask = t.length - 1;
    for (int slot = (int) hash & mask; ; slot = (slot + 1) & mask) {
      int e = t[slot];
      if (e == 0) {
        return -1;
      }
      if (hashes[e - 1] == hash && lengths[e - 1] == length) {
        return e - 1;
      }
    }
  }

  /** Where in this range's file the bytes of a segment with this hash and length lie, or -1. */
  public long offsetOf(long hash, int length) {
    int i = find(hash, length);
    return i < 0 ? -1 : offsets[i];
  }

  private int[] buildTable() {
    int n = lengths.length;
    int cap = Integer.highestOneBit(Math.max(2, n) * 2 - 1) << 1;
    int[] t = new int[cap];
    int mask = cap - 1;
    for (int i = 0; i < n; i++) {
      int slot = (int) hashes[i] & mask;
      while (true) {
        int e = t[slot];
        if (e == 0) {
          t[slot] = i + 1;
          break;
        }
        if (hashes[e - 1] == hashes[i] && lengths[e - 1] == lengths[i]) {
          break; // keep the first copy
        }
        slot = (slot + 1) & mask;
      }
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SegmentIndex s && start == s.start && Arrays.equals(lengths, s.lengths)
        && Arrays.equals(hashes, s.hashes);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(start) * 31 + Arrays.hashCode(hashes);
  }

  @Override
  public String toString() {
    return "SegmentIndex[" + start + ".." + end() + ", " + size() + " segments]";
  }

  /** Appends segments back to back from a start offset; growable arrays. */
  static final class Builder {
    private final long start;
    private long next;
    private int n;
    private long[] offsets = new long[64];
    private int[] lengths = new int[64];
    private long[] hashes = new long[64];

    Builder(long start) {
      this.start = start;
      this.next = start;
    }

    void add(int length, long hash) {
      if (length <= 0) {
        throw new IllegalArgumentException("segment length " + length);
      }
      if (n == lengths.length) {
        int cap = n * 2;
        offsets = Arrays.copyOf(offsets, cap);
        lengths = Arrays.copyOf(lengths, cap);
        hashes = Arrays.copyOf(hashes, cap);
      }
      offsets[n] = next;
      lengths[n] = length;
      hashes[n] = hash;
      next += length;
      n++;
    }

    SegmentIndex build() {
      return new SegmentIndex(start, Arrays.copyOf(offsets, n), Arrays.copyOf(lengths, n), Arrays.copyOf(hashes, n));
    }
  }
}
