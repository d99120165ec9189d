package io.shardline.engine.server;

/**
 * Measures a lane's link throughput: bytes whose write completed, divided by the time the lane
 * had writes pending ("busy time"). While the link is the bottleneck, writes are always pending
 * and this is the link's rate; when the link is faster than the lane can produce, writes
 * complete at once and the measured rate is high. An exponentially weighted average over
 * recent windows keeps it current. Pure apart from the clock value passed in; one lane's event
 * loop only.
 */
final class LinkMeter {
  /** A rate is computed over windows of at least this many bytes. */
  private static final long WINDOW_BYTES = 8L * 1024 * 1024;
  private static final double WEIGHT = 0.5;

  private int pending;
  private long busySince;
  private long busyNanos;
  private long bytes;
  private double rate = Double.NaN;

  /** A write of some bytes was handed to the socket. */
  void started(long now) {
    if (pending++ == 0) {
      busySince = now;
    }
  }

  /** A write of {@code n} bytes completed (or failed). */
  void completed(long now, long n) {
    bytes += n;
    if (--pending == 0) {
      busyNanos += now - busySince;
    }
    if (bytes >= WINDOW_BYTES) {
      long busy = busyNanos + (pending > 0 ? now - busySince : 0);
      if (pending > 0) {
        busySince = now;
      }
      double r = (double) bytes / Math.max(busy, 1_000L) * 1e9;
      rate = Double.isNaN(rate) ? r : WEIGHT * r + (1 - WEIGHT) * rate;
      bytes = 0;
      busyNanos = 0;
    }
  }

  /** Bytes per second, or NaN before the first window. */
  double bytesPerSecond() {
    return rate;
  }
}
