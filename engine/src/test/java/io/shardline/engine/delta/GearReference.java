package io.shardline.engine.delta;

import java.util.ArrayList;
import java.util.List;

/**
 * The rules of {@link GearChunker}'s Javadoc, written as plainly as possible (one byte at a time,
 * the whole input at once): the specification the fast streaming loop is checked against.
 */
final class GearReference {
  private GearReference() {}

  /** Segment lengths of {@code b}. */
  static List<Integer> lengths(byte[] b, int min, int avg, int max) {
    int bits = Integer.numberOfTrailingZeros(avg);
    long maskS = GearChunker.highBits(bits + 2);
    long maskL = GearChunker.highBits(bits - 2);
    List<Integer> out = new ArrayList<>();
    int segStart = 0;
    long fp = 0;
    for (int i = 0; i < b.length; i++) {
      int len = i - segStart + 1;
      boolean cut;
      if (len <= min) {
        cut = false;
      } else {
        fp = (fp << 1) + GearChunker.gear(b[i] & 0xff);
        if (len < avg) {
          cut = (fp & maskS) == 0;
        } else if (len < max) {
          cut = (fp & maskL) == 0;
        } else {
          cut = true;
        }
      }
      if (cut) {
        out.add(len);
        segStart = i + 1;
        fp = 0;
      }
    }
    if (segStart < b.length) {
      out.add(b.length - segStart);
    }
    return out;
  }
}
