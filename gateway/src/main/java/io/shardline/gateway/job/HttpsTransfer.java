package io.shardline.gateway.job;

import io.shardline.engine.httpsget.HttpsPull;
import io.shardline.engine.httpsget.HttpsPullOptions;
import io.shardline.engine.httpsget.HttpsPullResult;
import io.shardline.engine.lane.TransferCounters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;

/** A job's attempt from an HTTPS remote: an {@link HttpsPull} of one file by parallel ranges. */
final class HttpsTransfer implements Transfer {
  private final HttpsPull pull;

  HttpsTransfer(Vertx vertx, HttpsPullOptions options) {
    this.pull = new HttpsPull(vertx, options);
  }

  @Override
  public Future<Outcome> run() {
    return pull.run().map(r -> outcome(r, pull.counters()));
  }

  /**
   * The attempt as a job records it: {@code verified} only for a SHA-256 match (the digests then
   * name it as {@code sha256:HEX}); a file published on its stable ETag/Last-Modified has no digest.
   */
  static Outcome outcome(HttpsPullResult r, TransferCounters c) {
    long fetched = c.bytesDone.sum();
    AttemptStats stats = new AttemptStats(r.published() ? 1 : 0, r.bytes(), fetched, c.wireBytes.sum(),
        Math.round(r.seconds() * 1000) / 1000.0, c.chunks.sum(), r.retries(), r.resumedChunks(), 0, r.verified());
    Map<String, String> digests = r.published() && r.sha256() != null && r.file() != null
        ? Map.of(Path.of(r.file()).getFileName().toString(), "sha256:" + r.sha256()) : Map.of();
    return Outcome.of(stats, digests, r.ok(), r.errors());
  }

  @Override
  public void cancel(String reason) {
    pull.cancel(reason);
  }

  @Override
  public void rateLimit(long bytesPerSecond) {
    pull.rateLimit(bytesPerSecond);
  }

  @Override
  public TransferCounters counters() {
    return pull.counters();
  }
}
