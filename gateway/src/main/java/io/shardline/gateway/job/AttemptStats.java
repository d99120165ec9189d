package io.shardline.gateway.job;

import io.shardline.engine.transfer.PullResult;

/**
 * What one attempt's pull did, as {@link JobEvent.AttemptEnded}, {@link JobEvent.Succeeded} and
 * {@link JobEvent.Failed} record it. ({@link TransferStats} is the runner's metrics sink, deltas
 * while a pull runs, so it does not fit here.)
 *
 * @param seconds the pull's wall time, rounded to milliseconds
 */
public record AttemptStats(int files, long totalBytes, long bytes, long wireBytes, double seconds, long chunks,
    long retriedChunks, long resumedChunks, long reconnects, boolean verified, long reusedBytes) {

  /** Statistics of an attempt that reused nothing from an older local version. */
  public AttemptStats(int files, long totalBytes, long bytes, long wireBytes, double seconds, long chunks,
      long retriedChunks, long resumedChunks, long reconnects, boolean verified) {
    this(files, totalBytes, bytes, wireBytes, seconds, chunks, retriedChunks, resumedChunks, reconnects, verified, 0);
  }

  /** The statistics of a finished pull ({@code reusedBytes}: copied from an older local version, delta). */
  public static AttemptStats of(PullResult r) {
    return new AttemptStats(r.files(), r.totalBytes(), r.bytes(), r.wireBytes(), Math.round(r.seconds() * 1000) / 1000.0,
        r.chunks(), r.retriedChunks(), r.resumedChunks(), r.reconnects(), r.verified(), r.reusedBytes());
  }
}
