package io.shardline.engine.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The segment hash: pinned, native, and never the same for the same bytes at two lengths. */
class SegmentHashTest {
  @Test
  void knownAnswers() {
    byte[] s = "shardline".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0x6d47502f3e14590dL, SegmentHash.of(new byte[0], 0, 0));
    assertEquals(0x8d7afe9cdf98f22fL, SegmentHash.of(s, 0, s.length));
    byte[] padded = new byte[s.length + 10];
    System.arraycopy(s, 0, padded, 5, s.length);
    assertEquals(SegmentHash.of(s, 0, s.length), SegmentHash.of(padded, 5, s.length));
  }

  @Test
  void theNativeImplementationLoads() {
    // lz4-java falls back to Java silently; under C1 that would be several times slower
    assertTrue(SegmentHash.implementation().contains("JNI"), SegmentHash.implementation());
  }

  @Test
  void theLengthIsPartOfTheHash() {
    byte[] zeros = new byte[4096];
    Set<Long> seen = new HashSet<>();
    for (int len = 0; len <= zeros.length; len++) {
      assertTrue(seen.add(SegmentHash.of(zeros, 0, len)), "length " + len);
    }
  }

  @Test
  void oneBitChangesTheHash() {
    byte[] b = DeltaData.random(65536, 1);
    long h = SegmentHash.of(b, 0, b.length);
    for (int i = 0; i < b.length; i += 4099) {
      b[i] ^= 1;
      assertNotEquals(h, SegmentHash.of(b, 0, b.length), "bit at " + i);
      b[i] ^= 1;
    }
  }

  @Test
  void withLengthIsABijectionForOneLength() {
    // distinct byte hashes stay distinct for a fixed length (a sample; the mix is invertible)
    Set<Long> seen = new HashSet<>();
    for (long h = 0; h < 100_000; h++) {
      assertTrue(seen.add(SegmentHash.withLength(h, 65536)));
    }
  }
}
