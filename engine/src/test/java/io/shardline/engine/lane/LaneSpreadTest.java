package io.shardline.engine.lane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LaneSpreadTest {
  @Test
  void thePreferredSourceNeverHasFewerLanesThanAnother() {
    for (int lanes = 1; lanes <= 16; lanes++) {
      for (int sources = 1; sources <= 5; sources++) {
        int[] n = LaneSpread.counts(lanes, sources);
        int total = 0;
        for (int s = 0; s < sources; s++) {
          assertTrue(n[0] >= n[s], lanes + " lanes over " + sources);
          assertTrue(n[0] - n[s] <= 1, "spread evenly otherwise");
          total += n[s];
        }
        assertEquals(lanes, total);
      }
    }
  }

  @Test
  void fiveLanesOverTwoSources() {
    assertArrayEquals(new int[] {3, 2}, LaneSpread.counts(5, 2));
    assertArrayEquals(new int[] {1, 0, 0}, LaneSpread.counts(1, 3));
  }

  @Test
  void oneSourceTakesEveryLane() {
    assertEquals(0, LaneSpread.sourceOf(7, 1));
    assertThrows(IllegalArgumentException.class, () -> LaneSpread.sourceOf(0, 0));
  }
}
