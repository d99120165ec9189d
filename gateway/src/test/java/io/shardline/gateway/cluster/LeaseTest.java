package io.shardline.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Lease}: its stored form, when it lapses, and what renewal, takeover and the end change. */
class LeaseTest {
  @Test
  void roundTripsThroughItsStoredForm() {
    Lease l = new Lease("gw-a", 3, 1_700_000_000_123L);
    assertEquals("gw-a|3|1700000000123", l.encode());
    assertEquals(l, Lease.parse(l.encode()));
  }

  @Test
  void refusesWhatIsNotALease() {
    for (String bad : new String[] {null, "", "gw-a", "gw-a|1", "gw-a|x|5", "|1|5", "gw-a|0|5", "gw-a|1|-1", "a|b|1|5"}) {
      assertThrows(IllegalArgumentException.class, () -> Lease.parse(bad), String.valueOf(bad));
    }
  }

  @Test
  void lapsesOnlyAfterItsExpiryPlusTheGraceAndNeverOnceTheJobEnded() {
    Lease l = Lease.first("gw-a", 10_000, 3_000);
    assertEquals(13_000, l.expiresAt());
    assertFalse(l.lapsed(13_000, 1_000));
    assertFalse(l.lapsed(14_000, 1_000), "within the grace: clocks differ a little");
    assertTrue(l.lapsed(14_001, 1_000));
    assertFalse(l.end().lapsed(Long.MAX_VALUE, 0), "an ended job is never taken over");
    assertTrue(l.end().ended());
  }

  @Test
  void renewalKeepsHolderAndEpochTakeoverMovesBoth() {
    Lease l = Lease.first("gw-a", 0, 3_000);
    Lease r = l.renewed(2_000, 3_000);
    assertEquals("gw-a", r.node());
    assertEquals(1, r.epoch());
    assertEquals(5_000, r.expiresAt());
    Lease t = r.takenBy("gw-b", 9_000, 3_000);
    assertEquals("gw-b", t.node());
    assertEquals(2, t.epoch());
    assertEquals(12_000, t.expiresAt());
  }
}
