package io.shardline.engine.delta;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The identity of a segment: 64-bit xxHash (lz4-java's, JNI where it loads, so as fast under C1 as
 * under C2) of its bytes, mixed with its length, so that equal bytes of different lengths never
 * hash alike by construction. Not cryptographic and not meant to be: a false match costs a refetch,
 * as every assembled chunk is checked against its CRC32C and SHA-256 before it is written.
 * With 64 bits, ~500k segments on each side of a 32 GiB file give a false-match chance near 1e-8.
 */
public final class SegmentHash {
  /** The xxHash64 seed of every segment hash ("SHRDSEG1" in ASCII); both ends use it. */
  public static final long SEED = 0x5348524453454731L;

  private static final XXHash64 XXH = XXHashFactory.fastestInstance().hash64();

  private SegmentHash() {}

  /** The hash of the segment {@code b[off..off+len)}. */
  public static long of(byte[] b, int off, int len) {
    return withLength(XXH.hash(b, off, len, SEED), len);
  }

  /** Which xxHash implementation runs here (JNI, or a Java fallback when the native library did not load). */
  public static String implementation() {
    return XXH.toString();
  }

  /** Mixes the length into a byte hash: for a fixed length a bijection, so no collision is added. */
  static long withLength(long h, int len) {
    long z = h ^ ((len & 0xFFFFFFFFL) * 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
