package io.shardline.engine.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When a lane counts as a slow reader, on a fake clock (milliseconds as nanoseconds / 10^6). */
class SlowReaderTest {
  private static final long MS = 1_000_000;

  @Test
  void aLaneWhoseClientReadsNothingIsASlowReaderOnlyWhileOthersWait() {
    SlowReader r = new SlowReader(1_000 * MS, 0);
    assertFalse(r.check(500 * MS, 4096, true, true));
    assertFalse(r.check(1_000 * MS, 4096, true, false), "nobody waits: it may hold on");
    assertTrue(r.check(1_001 * MS, 4096, true, true));
  }

  @Test
  void bytesLeavingTheOutboundBufferOrACompletedWriteAreProgress() {
    SlowReader r = new SlowReader(1_000 * MS, 0);
    r.check(900 * MS, 8192, true, true);
    assertFalse(r.check(1_500 * MS, 4096, true, true), "the kernel took 4 KiB at 1.5 s");
    assertTrue(r.check(2_500 * MS, 4096, true, true));
    r.progressed(2_600 * MS);
    assertFalse(r.check(3_500 * MS, 9000, true, true), "a write completed at 2.6 s; more queued is not less progress");
    assertTrue(r.check(3_600 * MS, 9000, true, true));
  }

  @Test
  void aLaneThatHoldsNothingIsNeverOneAndItsClockStartsWhenItStartsHolding() {
    SlowReader r = new SlowReader(1_000 * MS, 0);
    assertFalse(r.check(5_000 * MS, 0, false, true));
    assertFalse(r.check(5_999 * MS, 100, true, true));
    assertTrue(r.check(6_000 * MS, 100, true, true));
  }
}
