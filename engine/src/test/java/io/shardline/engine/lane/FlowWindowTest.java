package io.shardline.engine.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link FlowWindow}: pause at the limit, resume only at the low-water mark, each change once. */
class FlowWindowTest {

  @Test
  void pausesOnceAtTheLimitAndResumesOnlyAtTheLowWaterMark() {
    FlowWindow w = new FlowWindow(8, 4); // the server's shape: full at 8, resume at half
    FakeValve v = new FakeValve();
    w.attach(v);
    for (int i = 1; i <= 7; i++) {
      w.acquire();
      assertEquals(0, v.pauses, "below the limit at " + i);
    }
    w.acquire();
    assertEquals(1, v.pauses, "paused at the limit");
    w.acquire(); // items already read after a pause keep arriving
    w.acquire();
    assertEquals(1, v.pauses, "no second pause");
    for (int left = 9; left >= 5; left--) {
      w.release();
      assertEquals(left, w.count());
      assertEquals(0, v.resumes, "still above the low-water mark at " + left);
      assertTrue(w.paused());
    }
    w.release(); // 4 = resumeAt
    assertEquals(1, v.resumes, "resumed at the low-water mark");
    assertFalse(v.paused);
    w.release();
    w.acquire();
    w.acquire();
    assertEquals(1, v.pauses, "between the marks a flowing window stays flowing");
    assertEquals(5, w.count());
  }

  @Test
  void weightedItemsCountByTheirWeight() {
    FlowWindow w = FlowWindow.noHysteresis(2 * 64); // the client's disk backlog: 2 whole chunks of weight 64
    FakeValve v = new FakeValve();
    w.attach(v);
    for (int i = 0; i < 127; i++) {
      w.acquire(1); // small chunks
    }
    assertEquals(0, v.pauses, "127 small chunks are less than two whole ones");
    w.acquire(1);
    assertEquals(1, v.pauses);
    w.release(64);
    assertEquals(1, v.resumes);
    w.acquire(64);
    assertEquals(2, v.pauses, "a whole chunk fills it again");
    assertThrows(IllegalStateException.class, () -> w.release(129), "more than was taken");
    assertThrows(IllegalArgumentException.class, () -> w.acquire(0));
    assertEquals(128, w.count(), "a refused release changes nothing");
  }

  @Test
  void withoutHysteresisItResumesAsSoonAsTheCountIsBelowTheLimit() {
    FlowWindow w = FlowWindow.noHysteresis(2); // the client's disk backlog
    FakeValve v = new FakeValve();
    w.attach(v);
    w.acquire();
    assertEquals(0, v.pauses);
    w.acquire();
    assertEquals(1, v.pauses);
    w.release();
    assertEquals(1, v.resumes);
    for (int round = 0; round < 100; round++) {
      w.acquire();
      w.release();
    }
    assertEquals(101, v.pauses, "one pause per time the limit is reached");
    assertEquals(101, v.resumes, "one resume per time it is left");
  }

  @Test
  void aHoldKeepsItPausedWhateverTheCount() {
    FlowWindow w = new FlowWindow(4, 1);
    FakeValve v = new FakeValve();
    w.attach(v);
    w.hold(true); // the rate limiter says wait
    assertEquals(1, v.pauses);
    w.acquire();
    w.acquire();
    w.acquire();
    w.acquire(); // at the limit too: still one pause
    w.release();
    w.release();
    w.release();
    assertEquals(0, v.resumes, "below the low-water mark but held");
    w.hold(false);
    assertEquals(1, v.resumes);
    assertEquals(1, v.pauses);

    assertEquals(1, w.count());
    w.acquire();
    w.acquire();
    w.acquire(); // 4: paused by the count
    assertEquals(2, v.pauses);
    w.hold(true);
    w.hold(false);
    assertEquals(1, v.resumes, "releasing the hold does not resume a window above its low-water mark");
    w.release();
    w.release();
    assertEquals(1, v.resumes, "2 is above the low-water mark of 1");
    w.release();
    assertEquals(2, v.resumes);
  }

  @Test
  void updateSetsCountAndHoldInOneStep() {
    FlowWindow w = new FlowWindow(257, 128); // ServerLane: pending > 256 pauses, <= 128 resumes
    FakeValve v = new FakeValve();
    w.attach(v);
    w.update(300, false);
    w.update(200, false);
    assertEquals(1, v.pauses);
    assertEquals(0, v.resumes);
    w.update(128, true); // the write window is full: stays paused
    assertEquals(0, v.resumes);
    w.update(10, false);
    assertEquals(1, v.resumes);
    w.update(10, true);
    assertEquals(2, v.pauses, "a full write window alone pauses");
    assertThrows(IllegalArgumentException.class, () -> w.update(-1, false));
  }

  @Test
  void aNewValveStartsWhereTheLastOneStopped() {
    FlowWindow w = FlowWindow.noHysteresis(1);
    FakeValve first = new FakeValve();
    w.attach(first);
    w.acquire();
    assertEquals(1, first.pauses);
    w.attach(null); // the connection is gone; the chunk still waits for the disk
    FakeValve second = new FakeValve();
    w.attach(second);
    assertEquals(1, second.pauses, "a fresh socket starts paused while the disk is behind");
    w.release();
    assertEquals(1, second.resumes);
    assertEquals(0, first.resumes, "a detached valve hears nothing");

    FlowWindow flowing = FlowWindow.noHysteresis(1);
    FakeValve third = new FakeValve();
    flowing.attach(third);
    assertEquals(0, third.pauses, "a flowing window leaves a new valve alone");
  }

  @Test
  void detachedItKeepsCountingAndDecidingSilently() {
    FlowWindow w = new FlowWindow(2, 0);
    w.acquire();
    w.acquire();
    assertTrue(w.paused());
    w.release();
    assertTrue(w.paused(), "hysteresis holds without a valve too");
    w.release();
    assertFalse(w.paused());
  }

  @Test
  void refusesBadArgumentsAndUnbalancedReleases() {
    assertThrows(IllegalArgumentException.class, () -> new FlowWindow(0, 0));
    assertThrows(IllegalArgumentException.class, () -> new FlowWindow(4, 4));
    assertThrows(IllegalArgumentException.class, () -> new FlowWindow(4, -1));
    FlowWindow w = new FlowWindow(4, 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, w::release);
    assertTrue(e.getMessage().contains("release"), e.getMessage());
    assertEquals(0, w.count());
  }

  @Test
  void theRuleHoldsAfterEveryStepOfALongSeededWalk() {
    java.util.Random r = new java.util.Random(11);
    FlowWindow w = new FlowWindow(6, 3);
    FakeValve v = new FakeValve();
    w.attach(v);
    int count = 0;
    boolean held = false;
    for (int step = 0; step < 10_000; step++) {
      int op = r.nextInt(5);
      if (op < 2) {
        w.acquire();
        count++;
      } else if (op < 4 && count > 0) {
        w.release();
        count--;
      } else if (op == 4) {
        held = r.nextBoolean();
        w.hold(held);
      }
      w.check();
      assertEquals(w.paused(), v.paused, "the valve follows the window at step " + step);
      if (held || count >= 6) {
        assertTrue(w.paused(), "step " + step);
      }
      if (!held && count <= 3) {
        assertFalse(w.paused(), "step " + step);
      }
    }
    assertTrue(v.pauses > 10 && v.pauses - v.resumes <= 1, v.pauses + " pauses, " + v.resumes + " resumes");
  }
}
