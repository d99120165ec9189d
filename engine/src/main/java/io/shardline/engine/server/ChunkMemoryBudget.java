package io.shardline.engine.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The node-wide budget for chunk buffers: bytes of chunks read (or being read) from disk and not
 * yet handed to the kernel, over all lanes, including those waiting in the write queue of a
 * client that reads slowly or not at all. A lane reserves a chunk's length before reading it and
 * gives it back once the chunk is written (or dropped). Requests beyond the budget wait, first
 * come first served (a large request at the head is not overtaken, so it cannot starve); a
 * grant completes on the waiting lane's own event loop, and nothing here blocks. A reservation
 * larger than the whole budget is granted when nothing else is held, so no request waits
 * forever. Thread-safe: lanes of all event loops share one budget.
 */
final class ChunkMemoryBudget {
  private record Waiter(long bytes, Context context, Promise<Void> granted) {}

  private final long total;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private long used;
  private long peak;

  ChunkMemoryBudget(long total) {
    if (total < 1) {
      throw new IllegalArgumentException("memory budget must be positive: " + total);
    }
    this.total = total;
  }

  /** Reserves {@code bytes} at once if they fit and nobody waits; true if reserved. */
  synchronized boolean tryAcquire(long bytes) {
    if (waiters.isEmpty() && fits(bytes)) {
      take(bytes);
      return true;
    }
    return false;
  }

  /**
   * Reserves {@code bytes}, now or once enough is given back; the future completes on
   * {@code context}. The caller owns the reservation from then on, even if it no longer wants it.
   */
  Future<Void> acquire(long bytes, Context context) {
    Promise<Void> p = Promise.promise();
    synchronized (this) {
      if (waiters.isEmpty() && fits(bytes)) {
        take(bytes);
        p.complete();
        return p.future();
      }
      waiters.addLast(new Waiter(bytes, context, p));
    }
    return p.future();
  }

  /** Gives back {@code bytes} and grants waiting reservations that now fit, in order. */
  void release(long bytes) {
    List<Waiter> granted = new ArrayList<>();
    synchronized (this) {
      used -= bytes;
      if (used < 0) {
        throw new IllegalStateException("released more than was reserved: " + used);
      }
      while (!waiters.isEmpty() && fits(waiters.peekFirst().bytes)) {
        Waiter w = waiters.pollFirst();
        take(w.bytes);
        granted.add(w);
      }
    }
    for (Waiter w : granted) {
      w.context.runOnContext(v -> w.granted.complete());
    }
  }

  private boolean fits(long bytes) {
    return used + bytes <= total || used == 0;
  }

  private void take(long bytes) {
    used += bytes;
    peak = Math.max(peak, used);
  }

  /** Whether some request waits for room. */
  synchronized boolean contended() {
    return !waiters.isEmpty();
  }

  synchronized long used() {
    return used;
  }

  /** The most ever reserved at once. */
  synchronized long peak() {
    return peak;
  }

  long total() {
    return total;
  }
}
