package io.shardline.gateway.job;

/**
 * A job's progress at one moment, for the API, SSE and metrics.
 *
 * @param bytesDone bytes present and verified at the destination (resumed ones included)
 * @param wireBytes bytes received on the wire in this job (all attempts)
 * @param rate raw bytes per second over the last seconds, in bits per second
 * @param etaSeconds seconds left at that rate, or -1 when unknown
 * @param retriedChunks chunks fetched again after a checksum or lane failure (all attempts)
 * @param reconnects lanes reconnected (all attempts)
 * @param lanes lanes connected now
 * @param bytesResumed of {@code bytesDone}, the bytes this attempt found verified at the destination
 *     (resumed, not moved): {@code bytesDone - bytesResumed} is what this attempt has moved
 * @param bytesReused of {@code bytesResumed}, the bytes this attempt copied from an older version
 *     at the destination (delta) instead of moving them; a push learns it from the node at its end
 */
public record Progress(long bytesDone, long bytesTotal, long wireBytes, long rate, long etaSeconds, int filesDone,
    int filesTotal, long retriedChunks, long reconnects, int lanes, long bytesResumed, long bytesReused) {
  public static final Progress NONE = new Progress(0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0);

  /** Progress without delta reuse. */
  public Progress(long bytesDone, long bytesTotal, long wireBytes, long rate, long etaSeconds, int filesDone,
      int filesTotal, long retriedChunks, long reconnects, int lanes, long bytesResumed) {
    this(bytesDone, bytesTotal, wireBytes, rate, etaSeconds, filesDone, filesTotal, retriedChunks, reconnects, lanes,
        bytesResumed, 0);
  }

  public double fraction() {
    return bytesTotal <= 0 ? (filesTotal > 0 && filesDone == filesTotal ? 1 : 0) : Math.min(1.0, (double) bytesDone / bytesTotal);
  }
}
