package io.shardline.gateway.job;

/** Where the runner reports what its pulls moved since the last sample (the metrics). */
public interface TransferStats {
  /** Deltas since the previous sample of one job's pull, and its lanes connected now. */
  void sampled(long bytes, long wireBytes, long retriedChunks, long reconnects);

  TransferStats NONE = (b, w, r, c) -> { };
}
