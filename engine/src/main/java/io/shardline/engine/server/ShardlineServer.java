package io.shardline.engine.server;

import io.shardline.engine.codec.CodecSet;
import io.shardline.engine.codec.CompressionMeter;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.storage.LocalChunkSource;
import io.shardline.engine.tls.Fingerprint;
import io.shardline.engine.tls.SelfSignedCert;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetServerOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A serving node: deploys one {@link ServerVerticle} per event loop on a shared port, so each
 * lane is served on its own loop. {@link #start()} completes once every instance listens.
 */
public final class ShardlineServer {
  /** Where a started server listens and how clients recognise it. */
  public record Info(String host, int port, Fingerprint fingerprint) {
    /** The line {@code serve} prints on start. */
    public String banner() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return "listening on " + h + ":" + port + " fingerprint " + fingerprint;
    }
  }

  private final Vertx vertx;
  private final ServeOptions options;
  private final ChunkSource source;
  private WorkerExecutor disk;
  private ServedTree served;
  private Info info;
  /** The verticles' deployment, once started: undeployed by {@link #stop()}. */
  private volatile String deployment;
  private Path certPem;
  private Path keyPem;
  /** Serves only on connections it opens ({@link #startWithoutListener()}): no listener, no certificate. */
  private volatile boolean detached;

  public ShardlineServer(Vertx vertx, ServeOptions options) {
    this(vertx, options, null);
  }

  /**
   * A server of {@code source} instead of the local tree at {@code options.root()} (null: that
   * tree, as a {@link LocalChunkSource}); for sources that are not a local folder.
   */
  public ShardlineServer(Vertx vertx, ServeOptions options, ChunkSource source) {
    this.vertx = vertx;
    this.options = options;
    this.source = source;
  }

  public Future<Info> start() {
    return vertx.executeBlocking(this::prepare).compose(this::deploy);
  }

  /**
   * Prepares everything but the listener: for a node that serves only on connections it opens
   * itself (v7: a pusher serves the server it pushes to), through {@link #serveOn}.
   */
  public Future<Void> startWithoutListener() {
    detached = true;
    return vertx.executeBlocking(this::prepare).mapEmpty();
  }

  /**
   * Serves on a connection this node opened (framed, through TLS): the peer speaks HELLO, LIST
   * and GET on it as a pulling client. After {@link #startWithoutListener()}; on the socket's context.
   */
  public void serveOn(FrameSocket connection) {
    new ServerLane(vertx, served, connection);
  }

  private NetServerOptions prepare() throws Exception {
    TlsSupport.requireOpenSsl();
    Path state = options.stateDir();
    Path cert = options.certPem();
    Path key = options.keyPem();
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--cert and --key go together");
    }
    if (options.pushToken() != null && options.pushToken().equals(options.token())) {
      throw new IllegalArgumentException("the push token must differ from the read token (--token-file): "
          + "a reader must not be able to write");
    }
    if (options.pushToken() != null && options.pushAcceptor() == null) {
      throw new IllegalArgumentException("a push token needs something that takes pushes");
    }
    if (cert == null && !detached) {
      Path[] pair = SelfSignedCert.ensure(state);
      cert = pair[0];
      key = pair[1];
    }
    Fingerprint fp = detached ? null : TlsSupport.fingerprintOf(cert);
    certPem = cert;
    keyPem = key;
    String badBudget = ServeOptions.checkMemoryBudget(options.memoryBudget());
    if (badBudget != null) {
      throw new IllegalArgumentException(badBudget);
    }
    if (options.slowReaderTimeoutMs() < 1) {
      throw new IllegalArgumentException("slow-reader timeout must be positive: " + options.slowReaderTimeoutMs());
    }
    if (options.clientCa() != null) {
      if (options.plaintextForTestsOnly()) {
        throw new IllegalArgumentException("client certificates need TLS; plaintext test mode has none");
      }
      TlsSupport.checkClientCa(options.clientCa());
    }
    ChunkSource tree = source != null ? source : new LocalChunkSource(options.root(),
        new ManifestCache(state == null ? null : state.resolve("manifests")), options.maxFiles(), options.readFaults(),
        options.streamManifestsFrom());
    disk = vertx.createSharedWorkerExecutor("shardline-serve-disk", Math.max(4, 2 * options.instances()));
    ChunkEncoder encoder = new ChunkEncoder(CodecSet.standard(options.zstdLevel()), new CompressionMeter(),
        FrameSocket.ALLOC);
    encoder.warmUp(); // (on a worker thread: prepare() runs in executeBlocking)
    TokenBucket bucket = options.rateLimit() > 0
        ? TokenBucket.of(options.rateLimit(), Protocol.MAX_CHUNK / 16, System.nanoTime()) : null;
    served = new ServedTree(new OpenFiles(tree), disk, options.token(), options.faultHook(), options.handshakeTimeoutMs(),
        options.laneWriteWindow(), new AtomicLong(), new AtomicLong(), encoder, bucket,
        new java.util.concurrent.atomic.AtomicInteger(), Runtime.getRuntime().availableProcessors(),
        options.maxConnectionsPerAddress(), new java.util.concurrent.ConcurrentHashMap<>(), new AtomicLong(),
        new ChunkSizeBudget(options.maxChunkSizes(), options.chunkSizeIdleMs() * 1_000_000),
        new HandshakeGate(options.maxHandshakesPerAddress(), options.maxHandshakes()), !options.plaintextForTestsOnly(),
        new ChunkMemoryBudget(options.effectiveMemoryBudget()), options.slowReaderTimeoutMs(), new AtomicLong(),
        options.notYetWaitMs(), options.pushToken(), options.pushToken() == null ? null : options.pushAcceptor(),
        new CopyOnWriteArrayList<>(), new AtomicLong());
    info = new Info(options.host(), -1, fp);
    if (detached) {
      return null;
    }
    NetServerOptions tls = TlsSupport.server(cert, key, options.handshakeTimeoutMs(), options.clientCa()).setHost(options.host());
    tls.setIdleTimeout(options.idleTimeoutSeconds()).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
    // TLS is started by each lane (NetSocket.upgradeToSsl with these options), not by the
    // listener: so a connection is counted and timed from its TCP accept, before its handshake.
    tls.setSsl(false);
    return tls;
  }

  /** Negative ports, one per node started with port 0 (the HTTPS fronts count from -100,000 down). */
  private static final AtomicInteger SHARED_FREE_PORTS = new AtomicInteger();

  private Future<Info> deploy(NetServerOptions tls) {
    // All instances share one listening socket. Port 0 becomes a negative port of this server's
    // own: in Vert.x, servers given the same negative port share one random port, where port 0
    // would give each its own; two nodes in one Vert.x (tests) must not share theirs.
    NetServerOptions shared = new NetServerOptions(tls).setPort(options.port() == 0
        ? SHARED_FREE_PORTS.decrementAndGet() : options.port());
    List<ServerVerticle> instances = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
      ServerVerticle v = new ServerVerticle(served, shared);
      instances.add(v);
      return v;
    }, new DeploymentOptions().setInstances(options.instances())).map(id -> {
      deployment = id;
      int port = instances.get(0).actualPort();
      for (ServerVerticle v : instances) {
        if (v.actualPort() != port) {
          throw new IllegalStateException("server instances listen on different ports: " + port + ", " + v.actualPort());
        }
      }
      info = new Info(options.host(), port, info.fingerprint());
      return info;
    });
  }

  public Info info() {
    return info;
  }

  /**
   * Stops serving without closing the Vert.x instance: the listener and every lane close, open
   * files are closed. A node that shares its Vert.x (a relay in a test, a gateway) stops alone.
   */
  public Future<Void> stop() {
    String id = deployment;
    deployment = null;
    if (detached && served != null) {
      detached = false;
      served.files().close();
      return disk.close();
    }
    if (id == null) {
      return Future.succeededFuture();
    }
    return vertx.undeploy(id).eventually(() -> disk == null ? Future.succeededFuture() : disk.close());
  }

  /** Raw bytes of the chunks this node has sent (or is sending). */
  public long servedBytes() {
    return served == null ? 0 : served.dataBytes().get();
  }

  /** DATA frames this node has sent (or is sending): chunks served. */
  public long servedChunks() {
    return served == null ? 0 : served.dataFrames().get();
  }

  /** The node's certificate in use (given, or the self-signed one); after {@link #start()}. */
  public Path certPem() {
    return certPem;
  }

  /** The private key of {@link #certPem()}. */
  public Path keyPem() {
    return keyPem;
  }

  /**
   * The node's rate limit ({@code --rate-limit}), null when there is none: other fronts of the
   * node (HTTPS) take from the same bucket, so the node as a whole stays under it.
   */
  public TokenBucket rateLimiter() {
    return served == null ? null : served.bucket();
  }

  /** How many clients were refused for a missing or wrong token. */
  public long refusedClients() {
    return served == null ? 0 : served.refusedClients().get();
  }

  /** Bytes of chunk buffers reserved in the node-wide memory budget now. */
  public long chunkMemoryUsed() {
    return served == null ? 0 : served.memory().used();
  }

  /** The most chunk memory ever reserved at once (never above {@link #chunkMemoryBudget()}). */
  public long chunkMemoryPeak() {
    return served == null ? 0 : served.memory().peak();
  }

  /** The node-wide memory budget for chunk buffers in effect, in bytes. */
  public long chunkMemoryBudget() {
    return served == null ? options.effectiveMemoryBudget() : served.memory().total();
  }

  /** Lanes closed because their client read nothing while others waited for the memory budget. */
  public long slowReadersClosed() {
    return served == null ? 0 : served.slowReadersClosed().get();
  }

  /** Unauthenticated connections evicted to make room for newer ones. */
  public long evictedHandshakes() {
    return served == null ? 0 : served.gate().evicted();
  }

  /** How many connections failed their TLS handshake (with {@code clientCa}: no or an untrusted client certificate). */
  public long failedHandshakes() {
    return served == null ? 0 : served.failedHandshakes().get();
  }
}
