package io.shardline.gateway.job;

import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.PullSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** A job's attempt from a Shardline node: a {@link PullSession}. */
final class NodeTransfer implements Transfer {
  private final PullSession session;

  NodeTransfer(Vertx vertx, PullOptions options) {
    this.session = new PullSession(vertx, options);
  }

  @Override
  public Future<Outcome> run() {
    return session.run().map(NodeTransfer::outcome);
  }

  private static Outcome outcome(PullResult r) {
    return Outcome.of(AttemptStats.of(r), r.digests(), r.ok(), r.errors());
  }

  @Override
  public void cancel(String reason) {
    session.cancel(reason);
  }

  @Override
  public void rateLimit(long bytesPerSecond) {
    session.rateLimit(bytesPerSecond);
  }

  @Override
  public TransferCounters counters() {
    return session.counters();
  }
}
