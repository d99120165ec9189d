package io.shardline.engine.https;

/**
 * What a {@code Range} request header asks of a representation of {@code size} bytes (RFC 9110
 * section 14): the whole of it, one range of it, or nothing it has. A pure function of the header
 * and the size.
 *
 * <p>Only single byte ranges are served: a header with several ranges, another unit or a syntax
 * error is ignored (the whole representation, 200), as RFC 9110 allows a server to do. A range
 * whose first byte is past the end, or a suffix of zero bytes, is unsatisfiable (416).
 */
public sealed interface ByteRange {
  /** The whole representation: no usable {@code Range} header. */
  record Whole() implements ByteRange {}

  /** Bytes {@code first} to {@code last}, both included, within the representation. */
  record Part(long first, long last) implements ByteRange {
    public long length() {
      return last - first + 1;
    }

    /** The {@code Content-Range} value of this part of a representation of {@code size} bytes. */
    public String contentRange(long size) {
      return "bytes " + first + "-" + last + "/" + size;
    }
  }

  /** Nothing of the representation: answer 416 with {@code Content-Range: bytes *}{@code /size}. */
  record Unsatisfiable() implements ByteRange {}

  ByteRange WHOLE = new Whole();
  ByteRange UNSATISFIABLE = new Unsatisfiable();

  /** The longest header looked at; longer ones are ignored (no single range needs more). */
  int MAX_HEADER = 200;

  /** Decides what {@code header} (null: absent) asks of {@code size} bytes. */
  static ByteRange of(String header, long size) {
    if (header == null || header.length() > MAX_HEADER) {
      return WHOLE;
    }
    String h = header.strip();
    int eq = h.indexOf('=');
    if (eq < 0 || !h.substring(0, eq).strip().equalsIgnoreCase("bytes")) {
      return WHOLE;
    }
    String spec = h.substring(eq + 1).strip();
    if (spec.indexOf(',') >= 0) {
      return WHOLE; // several ranges: served whole
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return WHOLE;
    }
    String a = spec.substring(0, dash).strip();
    String b = spec.substring(dash + 1).strip();
    if (a.isEmpty()) { // suffix: the last b bytes
      long n = digits(b);
      if (n < 0) {
        return WHOLE;
      }
      if (n == 0 || size == 0) {
        return UNSATISFIABLE;
      }
      return new Part(Math.max(0, size - n), size - 1);
    }
    long first = digits(a);
    if (first < 0) {
      return WHOLE;
    }
    long last;
    if (b.isEmpty()) {
      last = Long.MAX_VALUE;
    } else {
      last = digits(b);
      if (last < 0 || last < first) {
        return WHOLE; // invalid: ignored
      }
    }
    if (first >= size) {
      return UNSATISFIABLE;
    }
    return new Part(first, Math.min(last, size - 1));
  }

  /** The value of a run of 1 to 18 ASCII digits, or -1 for anything else (too long to be a size). */
  private static long digits(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
