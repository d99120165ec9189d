package io.shardline.gateway.job;

import io.shardline.engine.transfer.PullResult;
import io.vertx.core.json.JsonObject;

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

  /**
   * The statistics of a pull in its JSON form ({@link PullResult#toJson()}): a node's summary of
   * the pull a push made it run. Fields it lacks (a sync's dry run pulls nothing) count 0.
   *
   * @param seconds the attempt's wall time on this side
   */
  public static AttemptStats of(JsonObject pull, double seconds) {
    return new AttemptStats(pull.getInteger("files", 0), pull.getLong("totalBytes", 0L), pull.getLong("bytes", 0L),
        pull.getLong("wireBytes", 0L), Math.round(seconds * 1000) / 1000.0, pull.getLong("chunks", 0L),
        pull.getLong("retriedChunks", 0L), pull.getLong("resumedChunks", 0L), pull.getLong("reconnects", 0L),
        pull.getBoolean("verified", false), pull.getLong("reusedBytes", 0L));
  }
}
