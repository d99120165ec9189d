package io.shardline.engine.tensor;


/**
 * A run of bytes of one element type inside a chunk: {@code offset} and {@code length} are
 * relative to the chunk's first byte. The segments given for a chunk cover it exactly, in order.
 */
public record Segment(int offset, int length, DType dtype) {
  public Segment {
    if (offset < 0 || length < 0 || dtype == null) {
      throw new IllegalArgumentException("segment " + offset + "+" + length + " " + dtype);
    }
  }

  /** One untyped segment covering {@code length} bytes. */
  public static java.util.List<Segment> bytes(int length) {
    return java.util.List.of(new Segment(0, length, DType.BYTES));
  }
}
