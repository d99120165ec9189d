package io.shardline.engine.lane;

/**
 * Reconnect delay: exponential from {@code baseMs}, capped at {@code maxMs}, with "equal
 * jitter" (half fixed, half random) so lanes that fail together do not retry together. Pure:
 * the random draw is an argument.
 */
public record Backoff(long baseMs, long maxMs) {
  public static final Backoff DEFAULT = new Backoff(100, 5_000);

  /** Delay before retry number {@code attempt} (1-based), for a uniform draw in [0, 1). */
  public long delayMs(int attempt, double random) {
    int shift = Math.min(Math.max(attempt, 1) - 1, 30);
    long exp = baseMs > (maxMs >> shift) ? maxMs : Math.min(maxMs, baseMs << shift);
    long half = exp / 2;
    return half + (long) (random * (exp - half + 1));
  }
}
