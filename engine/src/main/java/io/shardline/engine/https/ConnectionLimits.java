package io.shardline.engine.https;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open connections of the HTTPS front, per client address and in all, with their caps: a
 * connection over either cap is refused (closed at once) and counted. Thread-safe: listeners on
 * every event loop share one.
 */
final class ConnectionLimits {
  private final int perAddress;
  private final int total;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
  private final AtomicInteger all = new AtomicInteger();
  private final AtomicLong closed = new AtomicLong();

  ConnectionLimits(int perAddress, int total) {
    if (perAddress < 1 || total < 1) {
      throw new IllegalArgumentException("connection limits must be positive: " + perAddress + ", " + total);
    }
    this.perAddress = perAddress;
    this.total = total;
  }

  /** Counts a new connection from {@code address}; false (and not counted) when over a cap. */
  boolean admit(String address) {
    if (all.incrementAndGet() > total) {
      all.decrementAndGet();
      closed.incrementAndGet();
      return false;
    }
    boolean[] admitted = {false};
    open.compute(address, (a, n) -> {
      int c = n == null ? 0 : n;
      if (c >= perAddress) {
        return n;
      }
      admitted[0] = true;
      return c + 1;
    });
    if (!admitted[0]) {
      all.decrementAndGet();
      closed.incrementAndGet();
      return false;
    }
    return true;
  }

  /** An admitted connection from {@code address} closed. */
  void leave(String address) {
    all.decrementAndGet();
    open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  /** Connections refused so far. */
  long closed() {
    return closed.get();
  }

  /** Connections open now. */
  int open() {
    return all.get();
  }
}
