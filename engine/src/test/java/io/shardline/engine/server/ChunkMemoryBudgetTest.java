package io.shardline.engine.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * The node-wide memory budget's decisions, with a counting executor standing in for the lanes'
 * event loops: what is granted, in which order, and on whose executor.
 */
class ChunkMemoryBudgetTest {
  /** Records grants instead of running them on an event loop; {@link #run} runs them. */
  static final class CountingExecutor implements Executor {
    final List<Runnable> queued = new ArrayList<>();

    @Override
    public void execute(Runnable r) {
      queued.add(r);
    }

    void run() {
      List<Runnable> now = new ArrayList<>(queued);
      queued.clear();
      now.forEach(Runnable::run);
    }
  }

  private final CountingExecutor loop = new CountingExecutor();
  private final List<String> granted = new ArrayList<>();

  private ChunkMemoryBudget.Waiter ask(ChunkMemoryBudget b, String who, long bytes, ChunkMemoryBudget.Priority p) {
    return b.acquire(bytes, p, loop, () -> granted.add(who));
  }

  @Test
  void grantsAtOnceWhileItFitsAndNobodyWaits() {
    ChunkMemoryBudget b = new ChunkMemoryBudget(10);
    assertNull(ask(b, "a", 4, ChunkMemoryBudget.Priority.NEW));
    assertNull(ask(b, "b", 6, ChunkMemoryBudget.Priority.NEW));
    assertEquals(10, b.used());
    assertFalse(b.contended());
    assertTrue(loop.queued.isEmpty(), "nothing to run later: granted inline");
  }

  @Test
  void aRequestThatDoesNotFitWaitsUntilEnoughIsGivenBackAndRunsOnItsOwnExecutor() {
    ChunkMemoryBudget b = new ChunkMemoryBudget(10);
    ask(b, "a", 8, ChunkMemoryBudget.Priority.NEW);
    ChunkMemoryBudget.Waiter w = ask(b, "b", 4, ChunkMemoryBudget.Priority.NEW);
    assertTrue(w != null && b.contended());
    b.release(1);
    assertTrue(loop.queued.isEmpty(), "7 + 4 > 10: still waiting");
    b.release(1);
    assertEquals(1, loop.queued.size(), "granted, to run on the waiter's executor");
    assertTrue(granted.isEmpty(), "not run on the releasing thread");
    loop.run();
    assertEquals(List.of("b"), granted);
    assertEquals(10, b.used());
    assertEquals(10, b.peak());
  }

  @Test
  void nobodyOvertakesAWaiterEvenWithASmallerRequestThatWouldFit() {
    ChunkMemoryBudget b = new ChunkMemoryBudget(10);
    ask(b, "a", 8, ChunkMemoryBudget.Priority.NEW);
    ask(b, "big", 6, ChunkMemoryBudget.Priority.NEW);
    assertTrue(ask(b, "small", 1, ChunkMemoryBudget.Priority.NEW) != null, "waits behind big although 1 would fit");
    b.release(8);
    loop.run();
    assertEquals(List.of("big", "small"), granted);
  }

  @Test
  void readersGoBeforeNewLanesWhichGoBeforeLanesThatAlreadyHold() {
    ChunkMemoryBudget b = new ChunkMemoryBudget(4);
    ask(b, "first", 4, ChunkMemoryBudget.Priority.NEW);
    ask(b, "holder", 1, ChunkMemoryBudget.Priority.HOLDER);
    ask(b, "new", 1, ChunkMemoryBudget.Priority.NEW);
    ask(b, "reader", 1, ChunkMemoryBudget.Priority.READER);
    b.release(4);
    loop.run();
    assertEquals(List.of("reader", "new", "holder"), granted);
  }

  @Test
  void aCancelledWaiterIsNeverGrantedAndNoLongerHoldsUpThoseBehindIt() {
    ChunkMemoryBudget b = new ChunkMemoryBudget(10);
    ask(b, "a", 5, ChunkMemoryBudget.Priority.NEW);
    ChunkMemoryBudget.Waiter big = ask(b, "big", 8, ChunkMemoryBudget.Priority.NEW);
    ask(b, "small", 5, ChunkMemoryBudget.Priority.NEW);
    assertTrue(b.cancel(big));
    loop.run();
    assertEquals(List.of("small"), granted);
    assertFalse(b.cancel(big), "already gone");
    assertEquals(10, b.used());
  }

  @Test
  void aRequestLargerThanTheWholeBudgetIsRefusedUpFrontAndOverReleasingIsABug() {
    ChunkMemoryBudget b = new ChunkMemoryBudget(10);
    assertFalse(b.fitsAtAll(11));
    assertThrows(IllegalArgumentException.class, () -> ask(b, "huge", 11, ChunkMemoryBudget.Priority.NEW));
    assertThrows(IllegalStateException.class, () -> b.release(1));
    assertThrows(IllegalArgumentException.class, () -> new ChunkMemoryBudget(0));
  }

  @Test
  void manyLanesTakingAndGivingBackNeverExceedTheBudgetAndEveryoneIsServed() {
    ChunkMemoryBudget b = new ChunkMemoryBudget(16);
    List<long[]> held = new ArrayList<>();
    int served = 0;
    for (int round = 0; round < 1_000; round++) {
      long bytes = 1 + (round * 7L) % 9;
      String who = "r" + round;
      if (ask(b, who, bytes, ChunkMemoryBudget.Priority.values()[round % 3]) == null) {
        granted.add(who);
      }
      loop.run();
      while (granted.size() > served) {
        held.add(new long[] {1 + (Integer.parseInt(granted.get(served).substring(1)) * 7L) % 9});
        served++;
      }
      assertTrue(b.used() <= 16, "used " + b.used());
      if (round % 2 == 1 && !held.isEmpty()) {
        b.release(held.remove(0)[0]);
      }
    }
    while (!held.isEmpty() || b.contended()) {
      if (!held.isEmpty()) {
        b.release(held.remove(0)[0]);
      }
      loop.run();
      while (granted.size() > served) {
        held.add(new long[] {1 + (Integer.parseInt(granted.get(served).substring(1)) * 7L) % 9});
        served++;
      }
    }
    assertEquals(1_000, served, "every request granted once");
    assertEquals(0, b.used());
    assertTrue(b.peak() <= 16);
  }
}
