package io.shardline.engine.lane;

/**
 * Whether compressed chunks still pay on this lane, judged from the receiving side. The server's
 * auto policy compares the link rate it measures with its compression rate; but when the client is
 * the bottleneck (its CPU decodes, checks and writes chunks slower than the link brings them), the
 * server sees a slow link and compresses more, which makes the client slower still. Measured on an
 * emulated 10 Gbit/s link: a BF16 checkpoint took 1.23 s in auto against 0.86 s uncompressed,
 * with the client's intake paused 63% of the time; on a 1 Gbit/s link compression won (1.66 s
 * against 2.0 s).
 *
 * <p>Over windows of received data it measures L, the wire rate while the lane is reading (not
 * paused), and P, the raw rate at which compressed chunks were stored while the lane was paused
 * because chunks waited for the disk workers (their capacity for compressed data). Compressed
 * chunks move min(L * ratio, P) raw bytes a second and uncompressed ones about min(L, more than P):
 * compression cannot win when P is below L. So when the lane was paused for a good part of a
 * window and P &lt; L, the lane asks for uncompressed chunks for {@link #HOLD_WINDOWS} windows,
 * then lets the server compress again to measure anew. A lane that keeps up (seldom paused) never
 * turns compression off.
 *
 * <p>Pure apart from the clock values passed in; one lane's event loop only.
 */
public final class ReceiveMeter {
  /** A decision is made over windows of at least this many wire bytes. */
  static final long WINDOW_BYTES = 16L * 1024 * 1024;
  /** Below this share of a window spent paused, the client keeps up: compression stays allowed. */
  static final double PAUSED_SHARE = 0.25;
  /** Windows with compression off before it is tried again. */
  static final int HOLD_WINDOWS = 4;

  private boolean paused;
  private long pausedSince;
  private long windowStart = -1;
  private long pausedNanos;
  private long wireBytes;
  private long wireWhileReading;
  private long compressedRawWhilePaused;
  private int holdLeft;
  private double lastLink = Double.NaN;
  private double lastCapacity = Double.NaN;

  /** The lane stopped reading because chunks wait for the disk workers. */
  public void paused(long now) {
    start(now);
    if (!paused) {
      paused = true;
      pausedSince = now;
    }
  }

  /** The lane reads again. */
  public void resumed(long now) {
    start(now);
    if (paused) {
      paused = false;
      pausedNanos += now - pausedSince;
    }
  }

  /** A DATA frame of {@code wire} bytes arrived. */
  public void received(long now, long wire) {
    start(now);
    wireBytes += wire;
    if (!paused) {
      wireWhileReading += wire;
    }
    if (wireBytes >= WINDOW_BYTES) {
      decide(now);
    }
  }

  /** A chunk of {@code raw} bytes was stored; {@code compressed} if it came compressed. */
  public void stored(long now, long raw, boolean compressed) {
    start(now);
    if (compressed && paused) {
      compressedRawWhilePaused += raw;
    }
  }

  /** Whether to let the server compress the next chunks (else ask for them as they are). */
  public boolean compressionAllowed() {
    return holdLeft == 0;
  }

  /** The last window's wire rate while reading, bytes/s (NaN before the first decision). */
  public double linkBytesPerSecond() {
    return lastLink;
  }

  /** The last window's raw rate of compressed chunks stored while paused, bytes/s (NaN if none). */
  public double compressedCapacity() {
    return lastCapacity;
  }

  private void start(long now) {
    if (windowStart < 0) {
      windowStart = now;
    }
  }

  private void decide(long now) {
    long span = Math.max(1, now - windowStart);
    long pausedPart = pausedNanos + (paused ? now - pausedSince : 0);
    long reading = Math.max(1, span - pausedPart);
    lastLink = wireWhileReading * 1e9 / reading;
    lastCapacity = compressedRawWhilePaused == 0 ? Double.NaN : compressedRawWhilePaused * 1e9 / Math.max(1, pausedPart);
    if (holdLeft > 0) {
      holdLeft--;
    } else if ((double) pausedPart / span >= PAUSED_SHARE && lastCapacity < lastLink) {
      holdLeft = HOLD_WINDOWS; // the client, not the link, is the bottleneck: compressing slows it
    }
    windowStart = now;
    if (paused) {
      pausedSince = now;
    }
    pausedNanos = 0;
    wireBytes = 0;
    wireWhileReading = 0;
    compressedRawWhilePaused = 0;
  }
}
