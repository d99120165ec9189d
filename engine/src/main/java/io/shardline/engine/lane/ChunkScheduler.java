package io.shardline.engine.lane;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * The shared queue lanes take chunks from: largest files first, chunks in order within a file,
 * so any lane takes the next chunk and a slow lane never holds the others back. Requeued chunks
 * (from a dropped lane or a bad checksum) go to the front, and idle lanes are woken. Thread-safe:
 * lanes on different event loops call it; each call holds the lock for O(1) work.
 */
public final class ChunkScheduler {
  private final Deque<ChunkTask> queue = new ArrayDeque<>();
  private final List<Runnable> wakers = new ArrayList<>();

  /** An empty scheduler: lanes can connect while the manifest is still being fetched. */
  public ChunkScheduler() {}

  public ChunkScheduler(List<ChunkTask> tasks) {
    add(tasks);
  }

  /** Adds chunks to fetch (largest files first) and wakes idle lanes. */
  public void add(List<ChunkTask> tasks) {
    List<ChunkTask> sorted = new ArrayList<>(tasks);
    sorted.sort(Comparator.comparingLong((ChunkTask t) -> -t.file().manifest().size())
        .thenComparing(t -> t.file().manifest().name())
        .thenComparingInt(ChunkTask::index));
    List<Runnable> toWake;
    synchronized (this) {
      queue.addAll(sorted);
      toWake = new ArrayList<>(wakers);
    }
    toWake.forEach(Runnable::run);
  }

  /** The next chunk to fetch, or null when none is waiting. Skips chunks of failed files. */
  public synchronized ChunkTask poll() {
    ChunkTask t;
    while ((t = queue.pollFirst()) != null) {
      if (!t.file().failed()) {
        return t;
      }
    }
    return null;
  }

  /** Puts chunks back at the front and wakes idle lanes. */
  public void requeue(List<ChunkTask> tasks) {
    List<Runnable> toWake;
    synchronized (this) {
      for (int i = tasks.size() - 1; i >= 0; i--) {
        queue.addFirst(tasks.get(i));
      }
      toWake = new ArrayList<>(wakers);
    }
    toWake.forEach(Runnable::run);
  }

  /**
   * Puts a chunk back at the end: it could not be had yet (a relay's NOT_YET), so every other
   * waiting chunk is asked for first. Not a retry: its attempts are unchanged. Wakes idle lanes.
   */
  public void later(ChunkTask task) {
    List<Runnable> toWake;
    synchronized (this) {
      queue.addLast(task);
      toWake = new ArrayList<>(wakers);
    }
    toWake.forEach(Runnable::run);
  }

  /**
   * Moves chunk {@code index} of {@code file} to the front if it is waiting (a relay's downstream
   * asked for it); true if it was. O(queued chunks), called at most once per parked request.
   */
  public synchronized boolean hurry(ChunkTarget file, int index) {
    for (java.util.Iterator<ChunkTask> it = queue.iterator(); it.hasNext(); ) {
      ChunkTask t = it.next();
      if (t.file() == file && t.index() == index) {
        it.remove();
        queue.addFirst(t);
        return true;
      }
    }
    return false;
  }

  public synchronized int size() {
    return queue.size();
  }

  /** Registers a callback (thread-safe, cheap) run whenever chunks are added or requeued. */
  public synchronized void onRequeue(Runnable waker) {
    wakers.add(waker);
  }
}
