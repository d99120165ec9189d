package io.shardline.engine.delta;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;

/** Seeded test contents for the delta tests: random bytes mixed with repeated blocks and zero runs. */
final class DeltaData {
  private DeltaData() {}

  /** {@code n} seeded random bytes. */
  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /**
   * {@code n} bytes of runs of 1-300 KiB: fresh random bytes, a repeat of an earlier run (so the
   * same content sits at several offsets), zeros, or a short repeated pattern.
   */
  static byte[] mixed(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] b = new byte[n];
    int pos = 0;
    while (pos < n) {
      int len = Math.min(n - pos, 1024 + r.nextInt(300 * 1024));
      int kind = r.nextInt(10);
      if (kind < 6 || pos < len) {
        for (int i = pos; i < pos + len; i++) {
          b[i] = (byte) r.nextInt(256);
        }
      } else if (kind < 8) {
        int from = r.nextInt(pos - len + 1);
        System.arraycopy(b, from, b, pos, len);
      } else if (kind < 9) {
        // zeros: already there
      } else {
        byte[] pattern = random(1 + r.nextInt(64), r.nextLong());
        for (int i = 0; i < len; i++) {
          b[pos + i] = pattern[i % pattern.length];
        }
      }
      pos += len;
    }
    return b;
  }

  /** {@code b} with {@code insert} put in at {@code at}. */
  static byte[] insert(byte[] b, int at, byte[] insert) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + insert.length);
    out.write(b, 0, at);
    out.write(insert, 0, insert.length);
    out.write(b, at, b.length - at);
    return out.toByteArray();
  }
}
