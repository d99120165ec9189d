package io.shardline.engine.codec;

/**
 * Measured compression throughput (raw bytes per second per thread), shared by the lanes of a
 * server. It is the best of the last 8 whole-chunk encodes: slow outliers come from a cold JIT
 * or a busy machine, not from the compressor. Unknown (NaN) until 4 encodes were timed, so the
 * first, cold encodes cannot talk the server out of compressing for good. Thread-safe.
 */
public final class CompressionMeter {
  private static final int KEEP = 8;
  private static final int NEEDED = 4;
  private final double[] recent = new double[KEEP];
  private int count;

  /** Records that encoding {@code rawBytes} took {@code nanos} on one thread. */
  public synchronized void record(long rawBytes, long nanos) {
    if (rawBytes <= 0 || nanos <= 0) {
      return;
    }
    recent[count++ % KEEP] = rawBytes * 1e9 / nanos;
  }

  /** Raw bytes per second one thread compresses, or NaN before enough encodes were timed. */
  public synchronized double perThread() {
    if (count < NEEDED) {
      return Double.NaN;
    }
    double best = 0;
    for (int i = 0; i < Math.min(count, KEEP); i++) {
      best = Math.max(best, recent[i]);
    }
    return best;
  }
}
