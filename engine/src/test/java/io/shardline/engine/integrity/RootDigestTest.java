package io.shardline.engine.integrity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RootDigest}: SHA-256 over a tag, the size, the chunk size and every chunk CRC, in order. */
class RootDigestTest {

  /** The definition, written the plain way: one buffer, one digest call. */
  static byte[] reference(long size, int chunkSize, int[] crcs) throws Exception {
    byte[] tag = "shardline-root-v1".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(tag.length + 12 + 4 * crcs.length).put(tag).putLong(size).putInt(chunkSize);
    Arrays.stream(crcs).forEach(b::putInt);
    return MessageDigest.getInstance("SHA-256").digest(b.array());
  }

  static int[] crcs(int n) {
    return new SplittableRandom(n).ints(n).toArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 1023, 1024, 1025, 2048, 5000})
  void matchesTheDefinitionAcrossItsBufferBoundary(int n) throws Exception {
    // RootDigest feeds the CRCs through a 1024-entry buffer: counts around it are the edge
    int[] c = crcs(n);
    long size = (long) n * 4096 - (n > 0 ? 1 : 0);
    assertArrayEquals(reference(size, 4096, c), RootDigest.of(size, 4096, c));
  }

  @Test
  void knownAnswers() {
    // computed independently (Python hashlib) from the definition in the class Javadoc
    assertEquals("623349bfdc59fca138e7b6241825f918394ace35713acd77d6f96b070994efdb",
        RootDigest.hex(RootDigest.of(0, 4096, new int[0])));
    assertEquals("b36d467dc6f1d0a1a416c6c20c56f20b4984d958cf73f5e50212ed467bf8aee6",
        RootDigest.hex(RootDigest.of(10_000, 4096, new int[] {1, -2, Integer.MAX_VALUE})));
  }

  @Test
  void everyInputMatters() {
    int[] c = crcs(3);
    byte[] base = RootDigest.of(10_000, 4096, c);
    assertEquals(RootDigest.BYTES, base.length);
    assertFalse(Arrays.equals(base, RootDigest.of(10_001, 4096, c)), "size");
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 8192, c)), "chunk size");
    int[] changed = c.clone();
    changed[2] ^= 1 << 31;
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 4096, changed)), "a CRC");
    int[] swapped = {c[1], c[0], c[2]};
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 4096, swapped)), "CRC order");
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 4096, Arrays.copyOf(c, 2))), "CRC count");
    assertArrayEquals(base, RootDigest.of(10_000, 4096, c.clone()), "deterministic");
  }

  @Test
  void hexIsLowercaseAndFull() {
    byte[] d = new byte[RootDigest.BYTES];
    d[0] = (byte) 0xAB;
    d[31] = 0x0F;
    assertEquals("ab" + "00".repeat(30) + "0f", RootDigest.hex(d));
  }
}
