package io.shardline.engine.relay;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.LocalDestination;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.PullSession;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.UnaryOperator;

/**
 * A relay: pulls from its upstream sources into a local folder and serves that folder at the same
 * time, so the next hop of a chain starts at once instead of after the whole pull. The server
 * starts first (its banner can be printed before a byte arrives); the pull then runs as any pull
 * does (verified chunks, resume journal, atomic publish), through a {@link RelayTap} that tells the
 * server's {@link RelaySource} each chunk the moment it is verified and written. A downstream asking
 * for a chunk not here yet waits for it (it moves to the front of the relay's own queue) or is told
 * {@code NOT_YET}. Once the pull is complete the relay keeps serving, as a seed, until closed.
 */
public final class Relay {
  /** Recent chunks a relay keeps in memory for its downstreams by default: 16 chunks of 4 MiB. */
  public static final long DEFAULT_MEMORY_BYTES = 64L << 20;

  private final Vertx vertx;
  private final PullOptions pull;
  private final ServeOptions serve;
  private final RelayFiles files;
  private final Promise<PullResult> pulled = Promise.promise();
  private UnaryOperator<ChunkSink.Factory> around = UnaryOperator.identity();
  private ShardlineServer server;
  private PullSession session;

  /**
   * @param pull the upstream pull (sources, trust, token, lanes, chunk size) into its destination,
   *     a local folder; its sinks and manifest streaming are set here
   * @param serve how the relay serves (listen address, certificate, token, limits); its root is the
   *     pull's destination
   * @param memoryBytes recent chunks kept in memory for downstreams (0: read every chunk back from disk)
   */
  public Relay(Vertx vertx, PullOptions pull, ServeOptions serve, long memoryBytes) {
    this.vertx = vertx;
    this.pull = pull;
    this.serve = serve;
    this.files = new RelayFiles(memoryBytes);
  }

  /**
   * Wraps the relay's tapped local sinks before the pull writes through them, e.g. in a
   * {@code FencedDestination} (a gateway's job writes only while it holds the job): a write the
   * wrapper refuses never reaches the tap, so it is never served. Before {@link #start()}.
   */
  public Relay sinksAround(UnaryOperator<ChunkSink.Factory> v) {
    around = v;
    return this;
  }

  /**
   * Starts serving, then pulling: completes with where the relay listens as soon as it serves,
   * before its pull has fetched anything; {@link #pulled()} completes when the pull ends.
   */
  public Future<ShardlineServer.Info> start() {
    pull.sinks(around.apply(new RelayTap(new LocalDestination(pull.destination()), files))).streamManifests(false);
    session = new PullSession(vertx, pull);
    files.onDemand(session::hurry);
    server = new ShardlineServer(vertx, serve, new RelaySource(files));
    return server.start().onSuccess(info -> {
      session.listing().onSuccess(files::listed);
      session.run().onComplete(ar -> {
        PullResult r = ar.succeeded() ? ar.result() : null;
        if (r == null || !r.ok()) {
          String why = r == null ? String.valueOf(ar.cause()) : String.join("; ", r.errors());
          files.pullFailed(new ShardlineException(ErrorCode.IO_ERROR, "the relay's pull failed: " + why));
        }
        if (ar.succeeded()) {
          pulled.tryComplete(r);
        } else {
          pulled.tryFail(ar.cause());
        }
      });
    });
  }

  /** The relay's own pull: its result (check {@link PullResult#ok()}) once every file is in or it failed. */
  public Future<PullResult> pulled() {
    return pulled.future();
  }

  /** The pull's live counters. */
  public PullSession session() {
    return session;
  }

  /** The server, for its address and counters. */
  public ShardlineServer server() {
    return server;
  }

  /** Stops the pull (verified chunks stay journalled for a resume) and the server. */
  public Future<Void> close() {
    if (session != null) {
      session.cancel("the relay is stopping");
    }
    Future<PullResult> ended = session == null ? Future.succeededFuture() : pulled.future().recover(t -> Future.succeededFuture());
    return ended.transform(x -> server == null ? Future.<Void>succeededFuture() : server.stop())
        .andThen(ar -> files.close());
  }
}
