package io.shardline.engine.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The node-wide budget for chunk buffers, in bytes, shared by the lanes of all event loops: a
 * lane reserves a chunk's length before it reads the chunk from disk and gives it back once the
 * chunk's write has completed (its bytes are in the kernel, out of Netty's and TLS's buffers) or
 * failed (the lane closed). So chunks waiting for a client that reads slowly or not at all count
 * until they leave the process.
 *
 * <p>A request that does not fit waits; nothing here blocks. Waiters are served in three groups,
 * first come first served within each: {@link Priority#READER} (a lane that holds nothing and
 * has had chunks written: a client that reads), then {@link Priority#NEW} (holds nothing, has
 * had nothing written yet), then {@link Priority#HOLDER} (already holds some). A request at the
 * head of a group is not overtaken by a smaller one behind it, so none starves. A grant runs
 * on the executor the waiter gave (its own event loop). A request larger than the whole budget
 * is refused up front ({@link #fitsAtAll}); with that, every waiter is granted once enough is
 * given back, and giving back never depends on a grant, so the budget cannot deadlock by itself.
 * (What bounds the time a never-reading lane holds its part is the lane's slow-reader check.)
 */
final class ChunkMemoryBudget {
  /** Which group a waiting request joins. */
  enum Priority { READER, NEW, HOLDER }

  /** A waiting request; {@link #cancel} takes it back (its lane closed while it waited). */
  static final class Waiter {
    private final long bytes;
    private final Executor executor;
    private final Runnable granted;

    private Waiter(long bytes, Executor executor, Runnable granted) {
      this.bytes = bytes;
      this.executor = executor;
      this.granted = granted;
    }
  }

  private final long total;
  private final List<ArrayDeque<Waiter>> queues = List.of(new ArrayDeque<>(), new ArrayDeque<>(), new ArrayDeque<>());
  private long used;
  private long peak;

  ChunkMemoryBudget(long total) {
    if (total < 1) {
      throw new IllegalArgumentException("memory budget must be positive: " + total);
    }
    this.total = total;
  }

  /** Whether a request of {@code bytes} can ever be granted (it is not larger than the whole budget). */
  boolean fitsAtAll(long bytes) {
    return bytes <= total;
  }

  /**
   * Reserves {@code bytes} now if they fit and nobody waits (returns null), or queues the request
   * and returns its handle; {@code granted} then runs on {@code executor} once it is reserved,
   * and from then on the caller owns the reservation.
   */
  Waiter acquire(long bytes, Priority priority, Executor executor, Runnable granted) {
    if (!fitsAtAll(bytes) || bytes < 0) {
      throw new IllegalArgumentException("a reservation of " + bytes + " bytes does not fit a budget of " + total);
    }
    synchronized (this) {
      if (!contended() && used + bytes <= total) {
        take(bytes);
        return null;
      }
      Waiter w = new Waiter(bytes, executor, granted);
      queues.get(priority.ordinal()).addLast(w);
      return w;
    }
  }

  /** Takes back a request that has not been granted; false if it was granted already (the caller owns it then). */
  boolean cancel(Waiter w) {
    List<Waiter> granted;
    synchronized (this) {
      boolean removed = false;
      for (ArrayDeque<Waiter> q : queues) {
        removed |= q.remove(w);
      }
      if (!removed) {
        return false;
      }
      granted = grant(); // it may have been the head that held the others up
    }
    run(granted);
    return true;
  }

  /** Gives back {@code bytes} and grants the waiting requests that now fit, in order. */
  void release(long bytes) {
    List<Waiter> granted;
    synchronized (this) {
      if (bytes < 0 || bytes > used) {
        throw new IllegalStateException("giving back " + bytes + " bytes, " + used + " reserved");
      }
      used -= bytes;
      granted = grant();
    }
    run(granted);
  }

  private List<Waiter> grant() {
    List<Waiter> out = new ArrayList<>();
    for (ArrayDeque<Waiter> q : queues) {
      while (!q.isEmpty() && used + q.peekFirst().bytes <= total) {
        Waiter w = q.pollFirst();
        take(w.bytes);
        out.add(w);
      }
      if (!q.isEmpty()) {
        return out; // a higher group's head waits: lower groups wait behind it
      }
    }
    return out;
  }

  private static void run(List<Waiter> granted) {
    for (Waiter w : granted) {
      w.executor.execute(w.granted);
    }
  }

  private void take(long bytes) {
    used += bytes;
    peak = Math.max(peak, used);
  }

  /** Whether some request waits for room. */
  synchronized boolean contended() {
    for (ArrayDeque<Waiter> q : queues) {
      if (!q.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** Requests waiting now. */
  synchronized int waiting() {
    int n = 0;
    for (ArrayDeque<Waiter> q : queues) {
      n += q.size();
    }
    return n;
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
