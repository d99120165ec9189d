package io.shardline.gateway.job;

import io.shardline.engine.lane.TransferCounters;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * One attempt of a job's transfer, whatever its mode and its remote speak: a Shardline pull
 * ({@link NodeTransfer}), ranged GETs from an HTTPS server ({@link HttpsTransfer}), a push to a
 * node ({@link PushTransfer}) or a pull-direction sync ({@link SyncTransfer}). Exists so the
 * runner schedules, samples, pauses and re-rates every job the same way.
 */
interface Transfer {
  /** Runs the attempt; the future fails only for a failure outside the transfer's own result. */
  Future<Outcome> run();

  /** Stops the attempt: what was verified stays for the next one; nothing partial is published. */
  void cancel(String reason);

  /**
   * Changes the rate limit live (bytes per second over all lanes; 0 lifts it). A push and a sync
   * keep the rate they started with: the change applies from their next attempt.
   */
  void rateLimit(long bytesPerSecond);

  /** Live counters, sampled for progress. */
  TransferCounters counters();

  /**
   * How an attempt ended.
   *
   * @param digests what each published file was verified by, by name (root digests for a node,
   *     SHA-256 for an HTTPS file given one)
   * @param errors empty when the attempt succeeded
   * @param sync a sync's log (its JSON), null for a pull or a push
   */
  record Outcome(AttemptStats stats, Map<String, String> digests, List<String> errors, JsonObject sync) {
    /** An attempt that did not publish always says why, if only that it did not complete. */
    static Outcome of(AttemptStats stats, Map<String, String> digests, boolean ok, List<String> errors) {
      return of(stats, digests, ok, errors, null);
    }

    static Outcome of(AttemptStats stats, Map<String, String> digests, boolean ok, List<String> errors, JsonObject sync) {
      return new Outcome(stats, digests, ok ? List.of() : errors.isEmpty() ? List.of("the transfer did not complete")
          : errors, sync);
    }

    boolean ok() {
      return errors.isEmpty();
    }
  }
}
