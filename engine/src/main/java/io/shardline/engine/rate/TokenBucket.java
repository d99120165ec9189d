package io.shardline.engine.rate;

/**
 * A token bucket: {@code rate} bytes per second, holding at most {@code burst} bytes of credit.
 * The decision is a pure function of (now, bytes): {@link #take} spends the bytes (the balance
 * may go negative) and returns how long the caller must wait before sending more, so a thin
 * shell (a timer, a paused socket) does the waiting. Thread-safe: one bucket can limit all lanes.
 */
public final class TokenBucket {
  private final long minBurst;
  private double bytesPerNano;
  private long burst;
  private double tokens;
  private long last;

  /**
   * @param bytesPerSecond the sustained rate, over 0
   * @param burst credit that may accumulate while idle, in bytes (at least 1)
   * @param nowNanos the clock's current value
   */
  public TokenBucket(long bytesPerSecond, long burst, long nowNanos) {
    if (bytesPerSecond <= 0 || burst <= 0) {
      throw new IllegalArgumentException("rate " + bytesPerSecond + " B/s, burst " + burst);
    }
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.burst = burst;
    this.minBurst = burst;
    this.tokens = burst;
    this.last = nowNanos;
  }

  /** A bucket whose burst is 50 ms of the rate, but at least {@code minBurst} bytes. */
  public static TokenBucket of(long bytesPerSecond, long minBurst, long nowNanos) {
    return new TokenBucket(bytesPerSecond, Math.max(minBurst, bytesPerSecond / 20), nowNanos);
  }

  /**
   * Changes the rate from now on (a live change): {@code bytesPerSecond} 0 or less lifts the limit
   * (every {@link #take} then returns 0). The burst follows the rate as in {@link #of}.
   */
  public synchronized void rate(long bytesPerSecond, long nowNanos) {
    refill(nowNanos);
    bytesPerNano = bytesPerSecond <= 0 ? 0 : bytesPerSecond / 1e9;
    burst = bytesPerSecond <= 0 ? minBurst : Math.max(minBurst, bytesPerSecond / 20);
    tokens = Math.min(tokens, burst);
  }

  /** Spends {@code bytes}; returns the nanoseconds to wait before the balance is back to zero. */
  public synchronized long take(long nowNanos, long bytes) {
    if (bytesPerNano == 0) {
      return 0; // unlimited
    }
    refill(nowNanos);
    tokens -= bytes;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / bytesPerNano);
  }

  /** Nanoseconds until the balance is back to zero, spending nothing. */
  public synchronized long waitNanos(long nowNanos) {
    if (bytesPerNano == 0) {
      return 0;
    }
    refill(nowNanos);
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / bytesPerNano);
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - last;
    if (bytesPerNano == 0) {
      last = nowNanos;
      tokens = burst;
    } else if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * bytesPerNano);
      last = nowNanos;
    }
  }

  /** The current rate in bytes per second, 0 when unlimited. */
  public synchronized long bytesPerSecond() {
    return Math.round(bytesPerNano * 1e9);
  }
}
