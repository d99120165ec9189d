package io.shardline.engine.server;

/**
 * Decides when a lane's client has stopped reading, as a pure function of the clock and what the
 * lane reports (callers pass {@code now}; tests use a fake clock). A lane makes progress when a
 * chunk write completes or when the bytes waiting in its outbound buffer go down (the kernel took
 * some: the client reads, however slowly). A lane that holds chunk reservations and has made no
 * progress for the timeout while other requests wait for the node's memory budget is a slow
 * reader: the lane closes it, so what it holds goes to clients that read. A lane that holds
 * nothing is never one (its clock restarts when it starts holding). One instance per lane, used
 * on the lane's event loop only.
 */
final class SlowReader {
  private final long timeoutNanos;
  private long lastProgress;
  private long lastPending;

  SlowReader(long timeoutNanos, long now) {
    if (timeoutNanos < 1) {
      throw new IllegalArgumentException("slow-reader timeout must be positive: " + timeoutNanos);
    }
    this.timeoutNanos = timeoutNanos;
    this.lastProgress = now;
  }

  /** A chunk write completed (or the lane starts holding after holding nothing). */
  void progressed(long now) {
    lastProgress = now;
  }

  /**
   * @param pendingWriteBytes bytes in the lane's outbound buffer now
   * @param holds whether the lane holds reservations in the memory budget
   * @param othersWait whether other requests wait for the budget
   * @return whether the lane should be closed as a slow reader
   */
  boolean check(long now, long pendingWriteBytes, boolean holds, boolean othersWait) {
    if (!holds || pendingWriteBytes < lastPending) {
      lastProgress = now;
    }
    lastPending = pendingWriteBytes;
    return holds && othersWait && now - lastProgress >= timeoutNanos;
  }

  /** Time since the last progress. */
  long idleNanos(long now) {
    return now - lastProgress;
  }
}
