package io.shardline.engine.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The distinct-chunk-size budget, driven by a fake clock (nanoseconds passed in). */
class ChunkSizeBudgetTest {
  static final long MIN = 60_000_000_000L;

  @Test
  void theDefaultSizeIsAlwaysAdmittedAndNotCounted() {
    ChunkSizeBudget b = new ChunkSizeBudget(0, MIN);
    for (int i = 0; i < 100; i++) {
      b.admit(Protocol.DEFAULT_CHUNK, i);
    }
    ShardlineException e = assertThrows(ShardlineException.class, () -> b.admit(1 << 20, 0));
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertEquals(List.of("4MiB"), b.sizes());
  }

  @Test
  void newSizesBeyondTheLimitAreRefusedWhileTheHeldOnesAreInUse() {
    ChunkSizeBudget b = new ChunkSizeBudget(2, 10 * MIN);
    b.admit(1 << 20, 0);
    b.admit(8 << 20, MIN);
    b.admit(1 << 20, 2 * MIN); // held sizes are admitted again, any number of times
    for (int size = 4096; size < 4096 + 50; size++) {
      int s = size;
      ShardlineException e = assertThrows(ShardlineException.class, () -> b.admit(s, 3 * MIN));
      assertEquals(ErrorCode.BAD_REQUEST, e.code());
      assertTrue(e.getMessage().contains("at most 3 distinct chunk sizes"), e.getMessage());
      assertTrue(e.getMessage().contains("[4MiB, 8MiB, 1MiB]"), e.getMessage());
    }
    assertEquals(List.of("4MiB", "8MiB", "1MiB"), b.sizes());
  }

  @Test
  void aSizeIdleForLongerThanTheIdleTimeMakesRoom() {
    ChunkSizeBudget b = new ChunkSizeBudget(2, 10 * MIN);
    b.admit(1 << 20, 0);
    b.admit(8 << 20, 5 * MIN);
    assertThrows(ShardlineException.class, () -> b.admit(2 << 20, 10 * MIN - 1));
    b.admit(2 << 20, 10 * MIN); // 1 MiB idle for 10 min: evicted
    assertEquals(List.of("4MiB", "8MiB", "2MiB"), b.sizes());
    assertThrows(ShardlineException.class, () -> b.admit(1 << 20, 11 * MIN), "8 MiB is not idle long enough yet");
    b.admit(1 << 20, 15 * MIN);
    assertEquals(List.of("4MiB", "2MiB", "1MiB"), b.sizes());
  }

  @Test
  void cyclingThroughSizesCostsAtMostMaxNewSizesPerIdlePeriod() {
    ChunkSizeBudget b = new ChunkSizeBudget(3, 10 * MIN);
    int admitted = 0;
    long now = 0;
    for (int size = 4096; size < 4096 + 10_000; size++, now += 1_000_000_000L) { // one new size a second
      try {
        b.admit(size, now);
        admitted++;
      } catch (ShardlineException e) {
        // refused
      }
    }
    // 10,000 s is 16.7 idle periods of 10 min: at most 3 new sizes at the start and 3 per period after.
    assertTrue(admitted <= 3 + 3 * 17, "admitted " + admitted);
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ChunkSizeBudget(-1, MIN));
    assertThrows(IllegalArgumentException.class, () -> new ChunkSizeBudget(1, -1));
  }
}
