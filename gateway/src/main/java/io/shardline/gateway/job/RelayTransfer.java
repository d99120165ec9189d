package io.shardline.gateway.job;

import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.relay.Relay;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.tls.Fingerprint;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broadcast job's attempt: an engine {@link Relay} that pulls into the job's folder and serves
 * it at once to the targets below it. It pulls from its upstreams' relays, nearest first, and from
 * the broadcast's source last, in failover order (the parent while it works, the hops above it when
 * it dies: the source sends one copy). It waits up to {@link #UPSTREAM_WAIT_MS} for its parent to
 * serve (the broadcast's jobs start together, on several members); an upstream that serves
 * nothing by then is left out. Once listening it records itself in the {@link RelayRegistry} with a
 * random token of its own and its certificate's fingerprint, which its children pin.
 *
 * <p>After a complete pull the attempt ends (the job succeeds) and the relay stays up as a seed
 * until every target of the broadcast is done, or {@link #SEED_LINGER_MS} has passed, or the
 * gateway stops ({@link #stopSeeding()}).
 */
final class RelayTransfer implements Transfer {
  static final long UPSTREAM_WAIT_MS = 20_000;
  static final long POLL_MS = 200;
  static final long SEED_POLL_MS = 1000;
  static final long SEED_LINGER_MS = 10 * 60_000;
  private static final Logger LOG = LoggerFactory.getLogger(RelayTransfer.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final PullOptions pull;
  private final ServeOptions serve;
  private final RelayRegistry registry;
  private final BroadcastPart part;
  private final String node;
  private final UnaryOperator<ChunkSink.Factory> fence;
  private final TransferCounters waiting = new TransferCounters();
  private final Promise<Void> seeded = Promise.promise();
  private final String token = HexFormat.of().formatHex(bytes(24));
  private volatile Relay relay;
  private volatile String cancelled;
  private long seedTimer = -1;

  /**
   * @param pull the job's pull from the broadcast's source into its folder (its upstreams are added here)
   * @param serve how the relay serves (host, certificate's state folder); its token is set here
   * @param fence wraps the relay's sinks: the job writes only while this member holds it
   */
  RelayTransfer(Vertx vertx, PullOptions pull, ServeOptions serve, RelayRegistry registry, BroadcastPart part,
      String node, UnaryOperator<ChunkSink.Factory> fence) {
    this.vertx = vertx;
    this.pull = pull;
    this.serve = serve.port(0).token(token);
    this.registry = registry;
    this.part = part;
    this.node = node;
    this.fence = fence;
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  @Override
  public Future<Outcome> run() {
    long deadline = System.nanoTime() + UPSTREAM_WAIT_MS * 1_000_000;
    return upstreams(deadline).compose(ups -> {
      if (cancelled != null) {
        return Future.succeededFuture(Outcome.of(null, Map.of(), false, List.of(cancelled)));
      }
      List<ShardlineUrl> sources = new ArrayList<>();
      for (JsonObject u : ups) {
        ShardlineUrl url = new ShardlineUrl(u.getString("host"), u.getInteger("port"), "");
        sources.add(url);
        pull.access(url, new PullOptions.SourceAccess(new Trust.Pinned(Fingerprint.parse(u.getString("fingerprint"))),
            u.getString("token")));
      }
      sources.add(pull.source());
      pull.sources(sources).failover(true);
      Relay r = new Relay(vertx, pull, serve, Relay.DEFAULT_MEMORY_BYTES).sinksAround(fence);
      relay = r;
      return r.start()
          .compose(info -> registry.put(part.id(), part.target(), endpoint(info, false)).map(x -> info))
          .compose(info -> {
            LOG.info("broadcast {}: {} relays on {}:{}, pulling from {}", part.id(), part.target(), info.host(),
                info.port(), sources);
            return r.pulled();
          })
          .transform(ar -> ended(r, ar.succeeded() ? ar.result() : null, ar.cause()));
    });
  }

  /** The relay's registry entry. */
  private JsonObject endpoint(ShardlineServer.Info info, boolean done) {
    return new JsonObject().put("host", info.host()).put("port", info.port())
        .put("fingerprint", info.fingerprint().toString()).put("token", token).put("node", node).put("done", done);
  }

  /** The upstreams that serve now, nearest first; waits for the parent until {@code deadline}. */
  private Future<List<JsonObject>> upstreams(long deadline) {
    if (part.upstreams().isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Future<JsonObject>> asks = part.upstreams().stream().map(t -> registry.get(part.id(), t)
        .otherwise((JsonObject) null)).toList();
    return Future.join(asks).transform(x -> {
      List<JsonObject> found = new ArrayList<>();
      asks.forEach(f -> {
        if (f.succeeded() && f.result() != null) {
          found.add(f.result());
        }
      });
      boolean parentServes = asks.get(0).succeeded() && asks.get(0).result() != null;
      if (parentServes || cancelled != null || System.nanoTime() > deadline) {
        return Future.succeededFuture(found);
      }
      Promise<List<JsonObject>> later = Promise.promise();
      vertx.setTimer(POLL_MS, t -> upstreams(deadline).onComplete(later));
      return later.future();
    });
  }

  /** The attempt's outcome; a complete relay goes on seeding, a failed one stops and leaves the registry. */
  private Future<Outcome> ended(Relay r, PullResult result, Throwable failure) {
    Outcome outcome = result == null
        ? Outcome.of(null, Map.of(), false, List.of(String.valueOf(failure == null ? "the relay did not start"
            : failure.getMessage())))
        : Outcome.of(AttemptStats.of(result), result.digests(), result.ok(), result.errors());
    if (outcome.ok() && cancelled == null) {
      registry.put(part.id(), part.target(), endpoint(r.server().info(), true)).onComplete(x -> seed());
    } else {
      stopSeeding();
    }
    return Future.succeededFuture(outcome);
  }

  /** Seeds until every target is done (or the linger has passed). */
  private void seed() {
    long until = System.nanoTime() + SEED_LINGER_MS * 1_000_000;
    seedTimer = vertx.setPeriodic(SEED_POLL_MS, id -> {
      if (System.nanoTime() > until || cancelled != null) {
        stopSeeding();
        return;
      }
      List<Future<JsonObject>> asks = part.targets().stream().map(t -> registry.get(part.id(), t)
          .otherwise((JsonObject) null)).toList();
      Future.join(asks).onComplete(x -> {
        if (asks.stream().allMatch(f -> f.succeeded() && f.result() != null && f.result().getBoolean("done", false))) {
          LOG.info("broadcast {}: every target is in; {} stops seeding", part.id(), part.target());
          stopSeeding();
        }
      });
    });
  }

  /** Stops the relay (seeding or not) and takes it out of the registry; completes once it is down. */
  Future<Void> stopSeeding() {
    if (seedTimer >= 0) {
      vertx.cancelTimer(seedTimer);
    }
    Relay r = relay;
    if (r != null && !seeded.future().isComplete()) {
      registry.remove(part.id(), part.target()).otherwise((Void) null)
          .transform(x -> r.close()).onComplete(x -> seeded.tryComplete());
    } else {
      seeded.tryComplete();
    }
    return seeded.future();
  }

  /** Completes when the relay has stopped serving. */
  Future<Void> seedingEnded() {
    return seeded.future();
  }

  @Override
  public void cancel(String reason) {
    cancelled = reason;
    Relay r = relay;
    if (r != null && r.session() != null) {
      r.session().cancel(reason);
    }
  }

  @Override
  public void rateLimit(long bytesPerSecond) {
    Relay r = relay;
    if (r != null && r.session() != null) {
      r.session().rateLimit(bytesPerSecond);
    } else {
      pull.rateLimit(bytesPerSecond);
    }
  }

  @Override
  public TransferCounters counters() {
    Relay r = relay;
    return r != null && r.session() != null ? r.session().counters() : waiting;
  }
}
