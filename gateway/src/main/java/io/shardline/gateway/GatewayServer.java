package io.shardline.gateway;

import io.shardline.gateway.api.ApiRouter;
import io.shardline.gateway.api.ClusterForwarding;
import io.shardline.gateway.api.EventStream;
import io.shardline.gateway.auth.AuthHandler;
import io.shardline.gateway.auth.TokenAuthenticator;
import io.shardline.gateway.cluster.GatewayCluster;
import io.shardline.gateway.cluster.JobLeases;
import io.shardline.gateway.config.GatewayConfig;
import io.shardline.gateway.config.Remote;
import io.shardline.gateway.job.JobPaths;
import io.shardline.gateway.job.JobRunner;
import io.shardline.gateway.job.JobService;
import io.shardline.gateway.job.JobState;
import io.shardline.gateway.job.JobTable;
import io.shardline.gateway.job.RelayRegistry;
import io.shardline.gateway.journal.EventJournal;
import io.shardline.gateway.journal.SnapshotStore;
import io.shardline.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway, assembled: loads the snapshot and replays the journal into the job table, then
 * starts the runner (jobs a crash left running go back to the queue and resume) and the HTTP
 * server. Everything about jobs runs on one event-loop context; pulls run on the event loops of
 * a second Vert.x instance, so a lane busy with a chunk never delays an API response.
 */
public final class GatewayServer {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

  private final Vertx vertx;
  /** Pulls run on their own event loops (a Vert.x instance of the gateway's): API latency stays low. */
  private final Vertx transfers;
  /** Nodes of our own over the remotes that are stores (S3, HDFS), on {@link #transfers}. */
  private StoreServers storeServers;
  /** Whether {@link #start()} failed (and closed what it had opened): {@link #stop()} has nothing to do. */
  private volatile boolean startFailed;
  private final GatewayConfig config;
  private final Context context;
  private volatile boolean ready;
  private WorkerExecutor io;
  private FileChannel lockChannel;
  private FileLock lock;
  private EventJournal journal;
  private JobService jobs;
  private JobRunner runner;
  private HttpServer http;
  private GatewayMetrics metrics;
  private ConnectionGuard guard;
  private volatile GatewayCluster cluster;
  private JobLeases leases;

  /** Where the gateway listens, once started. */
  public record Info(String host, int port, boolean tls, int jobs, long replayed) {
    public String url() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return (tls ? "https" : "http") + "://" + h + ":" + port + "/";
    }
  }

  public GatewayServer(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.transfers = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2 * Runtime.getRuntime().availableProcessors()));
    this.context = ((VertxInternal) vertx).createEventLoopContext();
  }

  private record Loaded(JobTable table, EventJournal journal, long replayed) {}

  public Future<Info> start() {
    io = vertx.createSharedWorkerExecutor("shardline-gateway-io-" + System.identityHashCode(this), 2);
    Promise<Info> started = Promise.promise();
    context.runOnContext(v -> io.executeBlocking(this::load, false)
        .compose(this::startOnContext)
        .recover(t -> cleanUpFailedStart().transform(x -> Future.<Info>failedFuture(t)))
        .onComplete(started));
    return started.future();
  }

  /** After a failed start: nothing listens, the journal is closed and the data folder unlocked. */
  private Future<Void> cleanUpFailedStart() {
    startFailed = true;
    Future<Void> httpStop = http == null ? Future.succeededFuture() : http.close();
    return httpStop.transform(x -> io.executeBlocking(() -> {
      if (journal != null) {
        journal.close();
      }
      if (lock != null) {
        lock.release();
        lockChannel.close();
      }
      return null;
    }, false)).eventually(() -> storeServers == null ? Future.succeededFuture() : storeServers.close())
        .eventually(transfers::close).eventually(io::close).mapEmpty();
  }

  /** Blocking: the data folder, its lock, the snapshot and the journal's tail. */
  private Loaded load() throws IOException {
    Files.createDirectories(config.dataDir());
    lockChannel = FileChannel.open(config.dataDir().resolve("gateway.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    lock = lockChannel.tryLock();
    if (lock == null) {
      lockChannel.close();
      throw new IOException("another gateway uses the data folder " + config.dataDir());
    }
    SnapshotStore snapshots = new SnapshotStore(config.dataDir());
    var snap = snapshots.read();
    JobTable table = snap.map(s -> JobTable.fromSnapshot(s.table())).orElseGet(JobTable::new);
    long offset = snap.map(SnapshotStore.Snapshot::journalOffset).orElse(0L);
    EventJournal.Opened opened = EventJournal.open(vertx, context, config.dataDir().resolve("journal.log"), offset,
        table.lastSeq());
    table.replay(opened.replay());
    return new Loaded(table, opened.journal(), opened.replay().size());
  }

  private Future<Info> startOnContext(Loaded l) {
    journal = l.journal();
    storeServers = new StoreServers(transfers, config.dataDir());
    return storeServers.start(config.remoteStores()).compose(storeRemotes -> serve(l, storeRemotes));
  }

  /** With the remotes that are stores served by nodes of our own: jobs, runner, API, cluster. */
  private Future<Info> serve(Loaded l, Map<String, Remote> storeRemotes) {
    Map<String, Remote> remotes = new java.util.LinkedHashMap<>(config.remotes());
    remotes.putAll(storeRemotes);
    JobPaths paths = new JobPaths(Map.copyOf(remotes), config.destinations(), config.stores(),
        config.dataDir().resolve("hdfs-journals"));
    jobs = new JobService(context, l.table(), journal, new SnapshotStore(config.dataDir()), io,
        config.snapshotEvery(), paths);
    metrics = new GatewayMetrics();
    runner = new JobRunner(vertx, transfers, jobs, paths, config.maxRunningJobs(), metrics);
    // a broadcast's relays serve where the other members reach them: the cluster's host
    RelayRegistry alone = RelayRegistry.local();
    runner.relays(RelayRegistry.of(() -> cluster == null ? alone : cluster.relays()),
        config.cluster() == null ? "127.0.0.1" : config.cluster().host(), config.dataDir().resolve("relay"),
        () -> cluster == null ? null : cluster.node());
    metrics.bind(l.table(), runner);
    AuthHandler auth = new AuthHandler(new TokenAuthenticator(config.tokens()));
    // An event stream writes at least every third of the idle timeout, so it is never closed as idle.
    long heartbeatMs = Math.min(EventStream.HEARTBEAT_MS, config.idleTimeoutSeconds() * 1000L / 3);
    guard = new ConnectionGuard(vertx, config.headerTimeoutSeconds() * 1000L, config.maxConnections());
    ClusterForwarding forwarding = new ClusterForwarding(vertx, () -> cluster, jobs,
        config.cluster() != null && config.cluster().apiCa() != null ? config.cluster().apiCa() : config.tlsCert());
    return ApiRouter.create(vertx, jobs, runner, metrics, auth, config.maxBodyBytes(), heartbeatMs, this::ready,
            this::clusterView, forwarding, () -> cluster == null ? null : cluster.node())
        .compose(router -> {
          HttpServerOptions o = new HttpServerOptions().setHost(config.listen().host()).setPort(config.listen().port())
              .setCompressionSupported(false).setMaxFormAttributeSize(config.maxBodyBytes())
              .setHttp2ClearTextEnabled(false) // no h2c upgrade or prior knowledge: HTTP/2 only over TLS (ALPN)
              .setIdleTimeout(config.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
          if (config.tlsCert() != null) {
            o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tlsCert().toString())
                .setKeyPath(config.tlsKey().toString()));
          }
          http = vertx.createHttpServer(o).connectionHandler(guard::onConnection).requestHandler(guard.guard(router));
          return http.listen();
        })
        .compose(s -> config.cluster() == null ? Future.succeededFuture() : joinCluster())
        .compose(s -> runner.start())
        .map(v -> {
          ready = true;
          LOG.info("gateway listening on {}:{}, {} jobs ({} events replayed)", config.listen().host(),
              http.actualPort(), l.table().size(), l.replayed());
          return new Info(config.listen().host(), http.actualPort(), config.tlsCert() != null, l.table().size(), l.replayed());
        });
  }

  /**
   * Joins the cluster on a thread of its own (it blocks while Hazelcast finds the members, and a
   * clustered Vert.x is best not made from inside another's context), back on the gateway's.
   */
  private Future<Void> joinCluster() {
    Promise<Void> joined = Promise.promise();
    JsonObject self = self();
    Thread t = new Thread(() -> {
      try {
        GatewayCluster c = GatewayCluster.join(config.cluster(), self, this::status);
        context.runOnContext(v -> {
          cluster = c;
          leases = new JobLeases(c, jobs, vertx, context, config.destinationNames(), config.cluster().leaseMillis());
          leases.onLost(runner::lost);
          jobs.ownership(leases);
          // Jobs from before (this member alone, or before a restart): their leases and their
          // Idempotency-Keys, so the same key sent to another member still reaches this one.
          Map<String, String> keys = new HashMap<>();
          jobs.table().list(null).forEach(j -> {
            if (j.idempotencyKey() != null) {
              keys.put(ClusterForwarding.claimKey(j.submittedBy(), j.idempotencyKey()), c.node());
            }
          });
          Future.all(leases.start(), c.claimAll(keys)).onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("jobs from before the cluster not all recorded in it: {}", ar.cause().toString());
            }
            joined.complete();
          });
        });
      } catch (Exception | LinkageError e) {
        context.runOnContext(v -> joined.fail(e));
      }
    }, "shardline-cluster-join");
    t.setDaemon(true);
    t.start();
    return joined.future();
  }

  /** What this member tells the cluster about itself and does not change while it runs. */
  private JsonObject self() {
    String host = GatewayCluster.apiHost(config.listen().host(), config.cluster() == null ? null : config.cluster().host());
    host = host.contains(":") ? "[" + host + "]" : host;
    return new JsonObject().put("node", config.cluster() == null ? null : config.cluster().node())
        .put("api", (config.tlsCert() != null ? "https" : "http") + "://" + host + ":" + http.actualPort() + "/")
        .put("destinations", new JsonArray(new ArrayList<>(config.destinationNames())));
  }

  /** This member's live status: its running and queued jobs (read on the gateway's context). */
  private Future<JsonObject> status() {
    Promise<JsonObject> p = Promise.promise();
    context.runOnContext(v -> p.complete(new JsonObject()
        .put("runningJobs", new JsonArray(new ArrayList<>(runner.runningJobIds())))
        .put("queuedJobs", (int) jobs.table().list(JobState.QUEUED).stream().filter(j -> jobs.holds(j.id())).count())
        .put("jobs", jobs.table().size())));
    return p.future();
  }

  /**
   * {@code GET /api/v1/cluster}: every member with its state, destinations and jobs; a gateway
   * without a {@code cluster} block is a cluster of one ({@code clustered: false}).
   */
  public Future<JsonObject> clusterView() {
    GatewayCluster c = cluster;
    if (c == null && config.cluster() != null) {
      return status().map(st -> new JsonObject().put("clustered", true).put("node", config.cluster().node())
          .put("members", new JsonArray().add(self().mergeIn(st).put("self", true).put("state", "joining"))));
    }
    if (c == null) {
      return status().map(st -> new JsonObject().put("clustered", false).putNull("node")
          .put("members", new JsonArray().add(self().mergeIn(st).put("self", true).put("state", "up"))));
    }
    return c.members().map(m -> new JsonObject().put("clustered", true).put("node", c.node()).put("members", m));
  }

  /** Stops serving, stops the pulls (jobs stay RUNNING in the journal and resume on the next start). */
  public Future<Void> stop() {
    ready = false;
    if (startFailed) {
      return Future.succeededFuture(); // a failed start closed what it had opened
    }
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      Future<Void> httpStop = http == null ? Future.succeededFuture() : http.close();
      if (leases != null) {
        leases.stop();
      }
      Future<Void> runStop = runner == null ? Future.succeededFuture() : runner.stop();
      Future.join(httpStop, runStop).transform(x -> io.executeBlocking(() -> {
        if (journal != null) {
          journal.close();
        }
        if (lock != null) {
          lock.release();
          lockChannel.close();
        }
        return null;
      }, false)).eventually(() -> storeServers == null ? Future.succeededFuture() : storeServers.close())
          .eventually(transfers::close)
          .eventually(() -> cluster == null ? Future.succeededFuture() : cluster.leave())
          .onComplete(ar -> {
        io.close();
        p.handle(ar.mapEmpty());
      });
    });
    return p.future();
  }

  /**
   * Whether the gateway takes commands: started, not stopping, and its journal writable (after a
   * failed write, a probe of the journal's disk decides). On the gateway's context.
   */
  public Future<Boolean> ready() {
    if (!ready) {
      return Future.succeededFuture(false);
    }
    return journal.writable() ? Future.succeededFuture(true) : journal.probe();
  }

  /** The job commands (tests, the demo). */
  public JobService jobs() {
    return jobs;
  }

  public JobRunner runner() {
    return runner;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The HTTP connections' limits, and what they closed (tests). */
  public ConnectionGuard connections() {
    return guard;
  }
}
