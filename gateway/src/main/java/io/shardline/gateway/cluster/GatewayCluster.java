package io.shardline.gateway.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import io.shardline.engine.cli.HostPort;
import io.shardline.gateway.config.ClusterConfig;
import io.shardline.gateway.job.RelayRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's membership of a gateway cluster, on Vert.x's Hazelcast cluster manager (TCP-IP
 * join to the listed members, no multicast, bound to the configured host only): a clustered
 * Vert.x instance of its own, used for membership and messages between members, never for the
 * API or the pulls. Each member publishes what does not change while it runs (its name, API
 * address, destinations) as its node metadata, and answers status requests (its running and
 * queued jobs) on {@code shardline.gateway.status.NODE}.
 */
public final class GatewayCluster {
  /** Where each member answers status requests (followed by its node name). */
  public static final String STATUS_ADDRESS = "shardline.gateway.status.";
  /** How long a member has to answer a status request before it shows as unreachable. */
  public static final long STATUS_TIMEOUT_MS = 2000;
  /** The Hazelcast cluster's name: gateways only ever join gateways. */
  static final String CLUSTER_NAME = "shardline-gateway";
  /**
   * Job id to its lease and history (a Hazelcast map with a synchronous backup: a put has
   * reached a second member when it completes).
   */
  static final String JOBS_MAP = "shardline.gateway.jobs";
  /** The split-brain protection of the job map: a majority of the listed members. */
  static final String QUORUM = "shardline-majority";
  /** A member silent for this long is removed from the cluster. */
  static final int MAX_NO_HEARTBEAT_SECONDS = 10;
  /** {@code caller:Idempotency-Key} to the member that took it first. */
  static final String IDEMPOTENCY_MAP = "shardline.gateway.idempotency";
  /** Where broadcasts' relays serve: broadcast and target -> the relay's address, fingerprint and token. */
  static final String RELAYS_MAP = "shardline.gateway.relays";
  private static final Logger LOG = LoggerFactory.getLogger(GatewayCluster.class);

  private final ClusterConfig config;
  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  /** Members' published infos by node id (see {@link #nodeInfo}). */
  private final Map<String, NodeInfo> infos = new ConcurrentHashMap<>();

  private GatewayCluster(ClusterConfig config, Vertx vertx, HazelcastClusterManager manager) {
    this.config = config;
    this.vertx = vertx;
    this.manager = manager;
  }

  /**
   * Joins the cluster (blocking: call from a worker). {@code self} is this member's metadata
   * (at least {@code node}); {@code status} answers other members' status requests. Fails, after
   * leaving again, when another live member already has this node name.
   */
  public static GatewayCluster join(ClusterConfig c, JsonObject self, Supplier<Future<JsonObject>> status)
      throws Exception {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(c));
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(1).setEventBusOptions(new EventBusOptions()
        .setHost(c.host()).setPort(0).setClusterPublicHost(c.host()).setClusterNodeMetadata(self.copy()));
    Vertx v;
    try {
      v = Vertx.builder().with(options).withClusterManager(manager).buildClustered()
          .toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot join the gateway cluster at " + c.host() + ":" + c.port() + " (members "
          + c.members() + "): " + e.getCause().getMessage(), e.getCause());
    }
    GatewayCluster cluster = new GatewayCluster(c, v, manager);
    try {
      cluster.checkUniqueName();
    } catch (RuntimeException e) {
      cluster.leave().toCompletionStage().toCompletableFuture().get();
      throw e;
    }
    v.eventBus().<Object>consumer(STATUS_ADDRESS + c.node(), msg -> status.get().onComplete(ar ->
        msg.reply(ar.succeeded() ? ar.result() : new JsonObject().put("error", String.valueOf(ar.cause())))))
        .completion().toCompletionStage().toCompletableFuture().get();
    LOG.info("gateway {} joined the cluster at {}:{} ({} members)", c.node(), c.host(), c.port(),
        manager.getNodes().size());
    return cluster;
  }

  /** The Hazelcast config: Vert.x's defaults, TCP-IP join to the members, this host only, quiet. */
  static Config hazelcast(ClusterConfig c) throws UnknownHostException {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(CLUSTER_NAME);
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false"); // Vert.x leaves the cluster when it closes
    hz.setProperty("hazelcast.socket.bind.any", "false"); // the configured host, not every interface
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    // A member that stops answering (killed, frozen) is removed within seconds, not Hazelcast's
    // default minute, so the backups of its map entries take over and its leases can be taken.
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(MAX_NO_HEARTBEAT_SECONDS));
    // A member that was cut off (or frozen, then removed) merges back soon after it can.
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
    // The job map: a synchronous backup on another member, so a put that completed survives the
    // loss of one member; changed only while this member sees a majority (a member alone on its
    // side of a split, or frozen past its removal, takes over nothing).
    hz.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM, true, c.quorum()));
    hz.addMapConfig(new MapConfig(JOBS_MAP).setBackupCount(1).setAsyncBackupCount(0)
        .setSplitBrainProtectionName(QUORUM));
    NetworkConfig n = hz.getNetworkConfig();
    n.setPort(c.port()).setPortAutoIncrement(false);
    // This member's own host must resolve (it binds there); it is advertised by its address, the
    // form in which the other members list it once they resolve their member lists (joinAddress).
    String own = InetAddress.getByName(c.host()).getHostAddress();
    n.setPublicAddress(withPort(own, c.port()));
    n.getInterfaces().setEnabled(true).addInterface(own);
    JoinConfig j = n.getJoin();
    j.getMulticastConfig().setEnabled(false);
    j.getAutoDetectionConfig().setEnabled(false);
    TcpIpConfig tcp = j.getTcpIpConfig().setEnabled(true);
    for (HostPort m : c.members()) {
      tcp.addMember(withPort(joinAddress(m.host()), m.port()));
    }
    return hz;
  }

  /**
   * The address a listed member is joined at: an IP literal as it is; a host name (a container's
   * service name, say) as the address it resolves to now, because a member is known to Hazelcast
   * by the address it advertises, which is an address (see {@link #hazelcast}), and a member
   * listed by name would not be recognised as that member. A name that does not resolve yet is
   * kept as it is, with a warning: a member whose container has not started has no DNS entry
   * yet, and Hazelcast resolves a listed name again on each join attempt, so the cluster forms as
   * the members come up (the one that starts later joins those it can resolve).
   */
  static String joinAddress(String host) {
    if (host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return host; // an IPv6 or IPv4 literal: no lookup
    }
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      LOG.warn("cluster member {} does not resolve (yet): listed by its name, Hazelcast resolves it again when it"
          + " joins", host);
      return host;
    }
  }

  /**
   * The host of the API address a member advertises to the others (they forward requests to it):
   * the host its API listens on, or its cluster host (null: none) when the API listens on every
   * interface ({@code 0.0.0.0}, {@code ::}, as in a container), for no member reaches it there.
   */
  public static String apiHost(String listenHost, String clusterHost) {
    boolean wildcard = switch (listenHost) {
      case "", "0.0.0.0", "::", "0:0:0:0:0:0:0:0", "*" -> true;
      default -> false;
    };
    return wildcard && clusterHost != null ? clusterHost : listenHost;
  }

  /** {@code host:port}, an IPv6 literal in brackets. */
  private static String withPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private void checkUniqueName() throws Exception {
    String own = manager.getNodeId();
    for (String id : manager.getNodes()) {
      if (id.equals(own)) {
        continue;
      }
      NodeInfo info;
      try {
        info = nodeInfo(id).toCompletionStage().toCompletableFuture().get(STATUS_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        LOG.debug("member {} has not published its name yet: {}", id, e.toString());
        continue; // it is joining too; if it has this name it will refuse itself, as this check runs on both
      }
      if (info != null && info.metadata() != null && config.node().equals(info.metadata().getString("node"))) {
        throw new IllegalStateException("another gateway in the cluster is already named '" + config.node()
            + "' (at " + info.host() + "): cluster.node must be unique");
      }
    }
  }

  /**
   * A member's published info. A node id is one process's for its life and its info is published
   * once, at join, so a complete one (naming its member) is kept here: forwarding a request then
   * costs no lookup in Hazelcast's node map (a blocking remote get per member, which bounded a
   * forwarded GET to a few hundred a second). Infos of nodes that have left are dropped.
   */
  private Future<NodeInfo> nodeInfo(String id) {
    NodeInfo known = infos.get(id);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    Promise<NodeInfo> p = Promise.promise();
    manager.getNodeInfo(id, p);
    return p.future().onSuccess(info -> {
      if (info != null && info.metadata() != null && info.metadata().getString("node") != null) {
        infos.put(id, info);
      }
    });
  }

  /** The nodes in the cluster now; forgets the infos of the others. */
  private List<String> nodes() {
    List<String> nodes = manager.getNodes();
    if (infos.size() > nodes.size()) {
      infos.keySet().retainAll(new HashSet<>(nodes));
    }
    return nodes;
  }

  /**
   * {@code f}, completed on the caller's context: the cluster's futures complete on the clustered
   * Vert.x instance's threads, and everything about jobs is confined to the gateway's context.
   */
  private static <T> Future<T> back(Future<T> f) {
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return f;
    }
    Promise<T> p = Promise.promise();
    f.onComplete(ar -> caller.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  /** This member's name. */
  public String node() {
    return config.node();
  }

  /**
   * Every live member, by name: its metadata, {@code self}, and its status ({@code state} "up"
   * with its jobs, or "unreachable" when it did not answer within {@link #STATUS_TIMEOUT_MS}).
   */
  public Future<JsonArray> members() {
    String own = manager.getNodeId();
    List<Future<JsonObject>> views = new ArrayList<>();
    for (String id : nodes()) {
      views.add(nodeInfo(id).compose(info -> {
        JsonObject meta = info == null || info.metadata() == null ? new JsonObject() : info.metadata().copy();
        meta.put("self", id.equals(own));
        String name = meta.getString("node");
        if (name == null) {
          return Future.succeededFuture(meta.put("state", "unknown"));
        }
        return vertx.eventBus().<JsonObject>request(STATUS_ADDRESS + name, null,
                new DeliveryOptions().setSendTimeout(STATUS_TIMEOUT_MS))
            .map(reply -> meta.mergeIn(reply.body()).put("state", "up"))
            .otherwise(t -> meta.put("state", "unreachable").put("error", t.getMessage()));
      }).otherwise(t -> new JsonObject().put("self", id.equals(own)).put("state", "unknown")));
    }
    return back(Future.join(views).map(all -> {
      List<JsonObject> list = new ArrayList<>();
      for (int i = 0; i < views.size(); i++) {
        list.add(views.get(i).result());
      }
      list.sort(Comparator.comparing(j -> j.getString("node", "")));
      return new JsonArray(new ArrayList<>(list));
    }));
  }

  /** Every live member's metadata ({@code node}, {@code api}, {@code destinations}), without asking them anything. */
  public Future<List<JsonObject>> memberInfos() {
    List<Future<JsonObject>> infos = new ArrayList<>();
    for (String id : nodes()) {
      infos.add(nodeInfo(id).map(i -> i == null || i.metadata() == null ? new JsonObject() : i.metadata().copy())
          .otherwise(t -> new JsonObject()));
    }
    return back(Future.join(infos).map(x -> {
      List<JsonObject> out = new ArrayList<>();
      infos.forEach(f -> {
        if (f.result().getString("node") != null) {
          out.add(f.result());
        }
      });
      return out;
    }));
  }

  /** The cluster-wide map of job id to its {@link JobLeases} entry: lease and history. */
  private Future<AsyncMap<String, String>> jobMap() {
    return vertx.sharedData().getAsyncMap(JOBS_MAP);
  }

  /** A job's entry ({@link JobLeases}' JSON: its lease and its history), or null. */
  public Future<String> jobEntry(String jobId) {
    return back(jobMap().compose(m -> m.get(jobId)));
  }

  /** Stores a new job's entry unless one exists: null when stored, else the entry there. */
  public Future<String> putJobEntryIfAbsent(String jobId, String entry) {
    return back(jobMap().compose(m -> m.putIfAbsent(jobId, entry)));
  }

  /** Replaces a job's entry if it is still {@code expected} (compare-and-set): whether it was. */
  public Future<Boolean> replaceJobEntry(String jobId, String expected, String entry) {
    return back(jobMap().compose(m -> m.replaceIfPresent(jobId, expected, entry)));
  }

  /** Every job's entry, by id (a member scans them for lapsed leases). */
  public Future<Map<String, String>> jobEntries() {
    return back(jobMap().compose(AsyncMap::entries));
  }

  /** The member that holds {@code jobId} by its lease, or null when no member recorded it. */
  public Future<String> owner(String jobId) {
    return jobEntry(jobId).map(e -> e == null ? null : JobLeases.holder(e));
  }

  /**
   * Claims an idempotency key ({@code caller:key}) for {@code node}: the member that first
   * claimed it, which is {@code node} when this claim won. So the same key sent to two members
   * reaches the one that holds (or will hold) its job.
   */
  public Future<String> claim(String key, String node) {
    return back(vertx.sharedData().<String, String>getAsyncMap(IDEMPOTENCY_MAP)
        .compose(m -> m.putIfAbsent(key, node).map(prev -> prev == null ? node : prev)));
  }

  /**
   * Moves a claimed key from {@code from} (a member that has left) to {@code to}: the member
   * that holds it afterwards (another member may have moved it first).
   */
  public Future<String> reclaim(String key, String from, String to) {
    return back(vertx.sharedData().<String, String>getAsyncMap(IDEMPOTENCY_MAP).compose(m -> m.replaceIfPresent(key,
        from, to).compose(moved -> moved ? Future.succeededFuture(to) : m.get(key).map(now -> now == null ? to : now))));
  }

  /** Claims each key of {@code keys} for its member unless another member claimed it first. */
  public Future<Void> claimAll(Map<String, String> keys) {
    List<Future<String>> claims = new ArrayList<>();
    keys.forEach((k, node) -> claims.add(claim(k, node)));
    return Future.all(claims).mapEmpty();
  }

  /**
   * The relays of broadcasts, shared by the members (in memory only: an entry holds a relay's
   * token); an entry is dropped by the relay when it stops, and with nobody's journal.
   */
  public RelayRegistry relays() {
    return new RelayRegistry() {
      private Future<AsyncMap<String, String>> map() {
        return vertx.sharedData().getAsyncMap(RELAYS_MAP);
      }

      @Override
      public Future<Void> put(String broadcast, String target, JsonObject relay) {
        return back(map().compose(m -> m.put(broadcast + '\0' + target, relay.encode())));
      }

      @Override
      public Future<JsonObject> get(String broadcast, String target) {
        return back(map().compose(m -> m.get(broadcast + '\0' + target)).map(e -> e == null ? null : new JsonObject(e)));
      }

      @Override
      public Future<Void> remove(String broadcast, String target) {
        return back(map().compose(m -> m.remove(broadcast + '\0' + target)).mapEmpty());
      }
    };
  }

  /** Leaves the cluster (the other members see this one go at once). */
  public Future<Void> leave() {
    return vertx.close();
  }
}
