package io.shardline.engine.delta;

import java.nio.ByteBuffer;

/**
 * A byte stream turned into its segments: cut by a {@link GearChunker}, each hashed by
 * {@link SegmentHash}. Bytes come in slices of any size ({@code byte[]}, heap or direct
 * {@code ByteBuffer}s); they are copied into one reusable block, so the chunker's loop reads a
 * plain array and each segment is hashed in one piece. The segments are the same whatever way
 * the stream was split. Not thread-safe; one instance per stream, {@link #finish} once.
 */
public final class Segmenter {
  /** Bytes copied in per block (the buffer holds this plus one unfinished segment). */
  static final int BLOCK = 1 << 20;

  private final GearChunker chunker;
  private final byte[] buf;
  private final SegmentIndex.Builder out;
  /** Stream offset of {@code buf[0]}. */
  private long bufStart;
  /** Start in {@code buf} of the unfinished segment. */
  private int segStart;
  /** Bytes in {@code buf}; the chunker has seen all of them. */
  private int fill;
  private boolean finished;

  /**
   * Segments of a stream whose first byte is at offset {@code start} of its file, cut by
   * {@code chunker} (which it resets and then owns: one chunker per stream).
   */
  public Segmenter(GearChunker chunker, long start) {
    if (start < 0) {
      throw new IllegalArgumentException("negative start " + start);
    }
    this.chunker = chunker;
    this.chunker.reset();
    this.buf = new byte[BLOCK + chunker.max()];
    this.out = new SegmentIndex.Builder(start);
    this.bufStart = start;
  }

  /** Takes all of {@code src}'s remaining bytes (its position moves to its limit). */
  public void update(ByteBuffer src) {
    while (src.hasRemaining()) {
      int n = Math.min(src.remaining(), room());
      src.get(buf, fill, n);
      scan(n);
    }
  }

  /** Takes {@code b[off..off+len)}. */
  public void update(byte[] b, int off, int len) {
    if (off < 0 || len < 0 || off > b.length - len) {
      throw new IndexOutOfBoundsException("slice " + off + "+" + len + " of " + b.length);
    }
    while (len > 0) {
      int n = Math.min(len, room());
      System.arraycopy(b, off, buf, fill, n);
      scan(n);
      off += n;
      len -= n;
    }
  }

  /** Ends the stream (its last bytes are the last segment) and returns every segment. */
  public SegmentIndex finish() {
    if (finished) {
      throw new IllegalStateException("finished already");
    }
    finished = true;
    if (fill > segStart) {
      emit(fill);
    }
    return out.build();
  }

  /** Free bytes at the end of the buffer; moves the unfinished segment to the front when full. */
  private int room() {
    if (finished) {
      throw new IllegalStateException("finished already");
    }
    if (fill == buf.length) {
      // the unfinished segment is shorter than max (the chunker would have cut), so BLOCK bytes free up
      int keep = fill - segStart;
      System.arraycopy(buf, segStart, buf, 0, keep);
      bufStart += segStart;
      segStart = 0;
      fill = keep;
    }
    return buf.length - fill;
  }

  /** Runs the chunker over the {@code n} bytes just copied in at {@code fill}. */
  private void scan(int n) {
    int i = fill;
    int end = fill + n;
    fill = end;
    while (i < end) {
      int taken = chunker.next(buf, i, end - i);
      if (taken < 0) {
        return;
      }
      i += taken;
      emit(i);
    }
  }

  private void emit(int end) {
    int len = end - segStart;
    out.add(len, SegmentHash.of(buf, segStart, len));
    segStart = end;
  }
}
