package io.shardline.gateway.job;

/**
 * Throughput over a sliding window of samples (bytes at a time), e.g. the last 2 s of 250 ms
 * ticks: steadier than the last tick, quicker than the average since the start.
 */
final class RateWindow {
  private final long[] times;
  private final long[] bytes;
  private int count;
  private int next;

  RateWindow(int samples) {
    times = new long[samples];
    bytes = new long[samples];
  }

  /** Adds a sample and returns bytes per second over the window (0 with one sample). */
  long add(long nanos, long total) {
    times[next] = nanos;
    bytes[next] = total;
    next = (next + 1) % times.length;
    count = Math.min(count + 1, times.length);
    if (count < 2) {
      return 0;
    }
    int oldest = (next - count + times.length) % times.length;
    int newest = (next - 1 + times.length) % times.length;
    long dt = times[newest] - times[oldest];
    return dt <= 0 ? 0 : Math.max(0, (long) ((bytes[newest] - bytes[oldest]) * 1e9 / dt));
  }
}
