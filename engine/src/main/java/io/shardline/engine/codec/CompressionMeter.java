package io.shardline.engine.codec;

/**
 * Measured compression throughput (raw bytes per second per thread), shared by the lanes of a
 * server: an exponentially weighted average of the encodes that ran. Thread-safe.
 */
public final class CompressionMeter {
  private static final double WEIGHT = 0.2;
  private double perThread = Double.NaN;

  /** Records that encoding {@code rawBytes} took {@code nanos} on one thread. */
  public synchronized void record(long rawBytes, long nanos) {
    if (rawBytes <= 0 || nanos <= 0) {
      return;
    }
    double r = rawBytes * 1e9 / nanos;
    perThread = Double.isNaN(perThread) ? r : WEIGHT * r + (1 - WEIGHT) * perThread;
  }

  /** Raw bytes per second one thread compresses, or NaN before any encode. */
  public synchronized double perThread() {
    return perThread;
  }
}
