package io.shardline.engine.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FastCDC cut points: fixed, bounded, independent of how the stream is split, local to edits. */
class GearChunkerTest {
  private static final int MIB = 1 << 20;

  /** Segment lengths of {@code b} through a chunker fed in slices, counting bytes across slices. */
  static List<Integer> segments(GearChunker c, byte[] b, SplittableRandom splits, int maxSlice) {
    List<Integer> out = new ArrayList<>();
    int pos = 0;
    int segLen = 0;
    while (pos < b.length) {
      int n = Math.min(splits == null ? maxSlice : 1 + splits.nextInt(maxSlice), b.length - pos);
      int off = pos;
      int left = n;
      while (left > 0) {
        int taken = c.next(b, off, left);
        if (taken < 0) {
          segLen += left;
          break;
        }
        out.add(segLen + taken);
        segLen = 0;
        off += taken;
        left -= taken;
      }
      pos += n;
    }
    if (segLen > 0) {
      out.add(segLen);
      assertEquals(segLen, c.pending());
    }
    return out;
  }

  @Test
  void theGearTableIsPinned() throws Exception {
    // SplitMix64 from GEAR_SEED; a known answer so both ends of every version cut alike
    assertEquals(0x5348415244434443L, GearChunker.GEAR_SEED);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 256; i++) {
      long g = GearChunker.gear(i);
      for (int k = 0; k < 8; k++) {
        sha.update((byte) (g >>> (56 - 8 * k)));
      }
    }
    assertEquals(GEAR_0, GearChunker.gear(0));
    assertEquals(GEAR_255, GearChunker.gear(255));
    assertEquals(GEAR_SHA256, HexFormat.of().formatHex(sha.digest()));
  }

  @Test
  void splitMix64MatchesItsPublishedFirstValues() {
    // SplitMix64 seeded with 0 starts 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4 (Vigna's splitmix64.c)
    long[] t = GearChunker.gearTable(0);
    assertEquals(0xe220a8397b1dcdafL, t[0]);
    assertEquals(0x6e789e6aa1b965f4L, t[1]);
  }

  @Test
  void cutPointsOfASeededStreamArePinned() {
    byte[] b = DeltaData.random(4 * MIB, 42);
    List<Integer> lengths = segments(new GearChunker(), b, null, b.length);
    assertEquals(KNOWN_COUNT, lengths.size());
    assertEquals(KNOWN_FIRST, lengths.subList(0, KNOWN_FIRST.size()));
  }

  @Test
  void theFastLoopFollowsTheWrittenRules() {
    int[][] params = {{16384, 65536, 262144}, {64, 256, 1024}, {100, 4096, 5000}, {4095, 4096, 4097}, {2048, 8192, 65536}};
    for (int[] p : params) {
      for (long seed = 1; seed <= 3; seed++) {
        byte[] b = seed == 3 ? DeltaData.mixed(3 * MIB, seed) : DeltaData.random(3 * MIB + (int) seed, seed);
        List<Integer> expected = GearReference.lengths(b, p[0], p[1], p[2]);
        assertEquals(expected, segments(new GearChunker(p[0], p[1], p[2]), b, null, b.length),
            "params " + p[0] + "/" + p[1] + "/" + p[2] + " seed " + seed);
      }
    }
  }

  @Test
  void boundariesDoNotDependOnHowTheStreamIsSplit() {
    byte[] b = DeltaData.mixed(6 * MIB, 7);
    List<Integer> whole = segments(new GearChunker(), b, null, b.length);
    for (long seed = 0; seed < 5; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      int maxSlice = new int[] {3, 1000, 70_000, 300_000, 2 * MIB}[(int) seed];
      GearChunker c = new GearChunker();
      assertEquals(whole, segments(c, b, r, maxSlice), "splits up to " + maxSlice);
    }
  }

  @Test
  void segmentsStayWithinMinAndMax() {
    for (int[] p : new int[][] {{16384, 65536, 262144}, {256, 1024, 2048}}) {
      byte[] b = DeltaData.mixed(8 * MIB, p[0]);
      List<Integer> lengths = segments(new GearChunker(p[0], p[1], p[2]), b, null, b.length);
      long sum = 0;
      for (int i = 0; i < lengths.size(); i++) {
        int len = lengths.get(i);
        sum += len;
        if (i < lengths.size() - 1) {
          assertTrue(len > p[0] && len <= p[2], "segment " + i + " of " + len + " bytes");
        }
      }
      assertEquals(b.length, sum);
    }
  }

  @Test
  void zerosCutAtMaxAndRandomBytesNearTheAverage() {
    GearChunker c = new GearChunker();
    List<Integer> zeros = segments(c, new byte[MIB], null, MIB);
    assertEquals(List.of(262144, 262144, 262144, 262144), zeros);
    List<Integer> random = segments(new GearChunker(), DeltaData.random(32 * MIB, 3), null, 32 * MIB);
    double mean = 32.0 * MIB / random.size();
    assertTrue(mean > 40_000 && mean < 100_000, "mean segment " + mean);
  }

  @Test
  void anInsertionAtTheStartChangesOnlyTheFirstSegments() {
    byte[] old = DeltaData.random(16 * MIB, 11);
    byte[] grown = DeltaData.insert(old, 0, DeltaData.random(100, 12));
    List<Integer> a = segments(new GearChunker(), old, null, old.length);
    List<Integer> b = segments(new GearChunker(), grown, null, grown.length);
    // the same lengths from some segment on (the cuts resynchronised), so the same bytes too
    int differ = differingFromStart(a, b);
    assertTrue(differ <= 2, differ + " segments differ at the start");
    assertTrue(a.size() > 200, a.size() + " segments");
  }

  @Test
  void aOneByteChangeChangesAtMostTwoSegments() {
    byte[] old = DeltaData.mixed(16 * MIB, 13);
    SegmentIndex oldIndex = SegmentIndex.of(old);
    SplittableRandom r = new SplittableRandom(14);
    for (int k = 0; k < 20; k++) {
      byte[] changed = old.clone();
      int at = r.nextInt(changed.length);
      changed[at] ^= (byte) (1 + r.nextInt(255));
      SegmentIndex index = SegmentIndex.of(changed);
      int missing = 0;
      for (int i = 0; i < index.size(); i++) {
        if (oldIndex.find(index.hash(i), index.length(i)) < 0) {
          missing++;
        }
      }
      assertTrue(missing >= 1 && missing <= 2, missing + " segments differ after a change at " + at);
    }
  }

  @Test
  void badParametersAreRefusedByName() {
    assertBad("min segment size 63 is below 64", 63, 256, 1024);
    assertBad("power of two", 64, 300, 1024);
    assertBad("power of two of at least 256", 64, 128, 1024);
    assertBad("min segment size 4096 must be below the average 4096", 4096, 4096, 8192);
    assertBad("max segment size 4096 must be above the average 4096", 1024, 4096, 4096);
    assertBad("is above 67108864", 1024, 4096, (64 << 20) + 1);
    new GearChunker(64, 256, 64 << 20);
  }

  @Test
  void resetStartsANewSegment() {
    byte[] b = DeltaData.random(MIB, 5);
    GearChunker c = new GearChunker();
    assertEquals(-1, c.next(b, 0, 1000));
    assertEquals(1000, c.pending());
    c.reset();
    assertEquals(0, c.pending());
    assertEquals(segments(new GearChunker(), b, null, b.length), segments(c, b, null, b.length));
    assertThrows(IndexOutOfBoundsException.class, () -> c.next(b, b.length - 1, 2));
  }

  private static void assertBad(String message, int min, int avg, int max) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GearChunker(min, avg, max));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  /** How many leading segments differ before the two lists agree to their ends (by suffix). */
  private static int differingFromStart(List<Integer> a, List<Integer> b) {
    int i = a.size() - 1;
    int j = b.size() - 1;
    while (i >= 0 && j >= 0 && a.get(i).equals(b.get(j))) {
      i--;
      j--;
    }
    return Math.max(i, j) + 1;
  }

  // known answers, pinned from this implementation; a change here is a protocol change
  private static final long GEAR_0 = 0xe8d23b2b68c139a7L;
  private static final long GEAR_255 = 0xd622e57d128d11acL;
  /** SHA-256 of the 256 entries, big-endian. */
  private static final String GEAR_SHA256 = "73ff54e69539dd55272084aecb9842bd4c0ad95a395f3edecff4048ee3de845c";
  /** Segments of 4 MiB of {@code SplittableRandom(42)} bytes with the defaults. */
  private static final int KNOWN_COUNT = 59;
  private static final List<Integer> KNOWN_FIRST = List.of(106499, 81617, 57035, 109415, 92911, 66145, 34849, 42395);
}
