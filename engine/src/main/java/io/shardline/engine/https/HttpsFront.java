package io.shardline.engine.https;

import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.storage.LocalChunkSource;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.wire.FrameSocket;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's HTTPS front ({@code serve --https-listen}): the served tree over plain HTTP/1.1 and
 * TLS 1.3, for curl, aria2c, browsers and, in the Hub layout, Hugging Face Hub clients.
 * {@code GET} and {@code HEAD} of files with single byte ranges and validators, JSON directory
 * listings (or the Hub's routes, {@link HubRequests}), the node's token as a bearer token, its
 * certificate (and client CA), its path rules, rate limit and connection limits
 * ({@link FileRequests} answers; {@link FileBody} streams). One listener per event loop on a
 * shared port, as the shardline port does.
 */
public final class HttpsFront {
  /** Bytes of a request line (method, path, version) accepted; longer: 414. */
  public static final int MAX_REQUEST_LINE = 8 * 1024;
  /** Bytes of request headers accepted in all; more: 431. */
  public static final int MAX_HEADERS = 16 * 1024;
  /** Connections over all clients the front holds open at once; newer ones are closed. */
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  /**
   * What the front serves and how: the tree at {@code root}, the node's certificate and key (and
   * client CA, or null), the token (null: none), the node's rate limit (null: none, shared with
   * the shardline port so both together stay under it), the limits.
   */
  public record Config(Path root, String host, int port, Path certPem, Path keyPem, Path clientCa, String token,
      TokenBucket bucket, int maxConnectionsPerAddress, int maxConnections, long handshakeTimeoutMs,
      int idleTimeoutSeconds, int instances, int maxFiles, Layout layout) {
    /** The plain layout ({@link Layout#FILES}). */
    public Config(Path root, String host, int port, Path certPem, Path keyPem, Path clientCa, String token,
        TokenBucket bucket, int maxConnectionsPerAddress, int maxConnections, long handshakeTimeoutMs,
        int idleTimeoutSeconds, int instances, int maxFiles) {
      this(root, host, port, certPem, keyPem, clientCa, token, bucket, maxConnectionsPerAddress, maxConnections,
          handshakeTimeoutMs, idleTimeoutSeconds, instances, maxFiles, Layout.FILES);
    }
  }

  /** How request paths map onto the served tree ({@code serve --https-layout}). */
  public enum Layout {
    /** {@code /PATH/UNDER/ROOT}, listings with {@code ?list} (the default). */
    FILES,
    /**
     * The Hugging Face Hub's download routes over a tree of {@code REPO/REVISION/...files}
     * ({@link HubRequests}); plain paths are not served, as they would collide with its routes.
     */
    HUB
  }

  /** Negative ports, one per front started with port 0 (the shardline ports count from -1 down). */
  private static final AtomicInteger SHARED_FREE_PORTS = new AtomicInteger(-100_000);

  private final Vertx vertx;
  private final Config config;
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private FileRequests requests;
  private WorkerExecutor disk;
  private int port = -1;

  public HttpsFront(Vertx vertx, Config config) {
    this.vertx = vertx;
    this.config = config;
  }

  /** Starts listening; completes with the port once every instance listens. */
  public Future<Integer> start() {
    return vertx.executeBlocking(() -> {
      LocalChunkSource tree = new LocalChunkSource(config.root(), new ManifestCache(null), config.maxFiles());
      disk = vertx.createSharedWorkerExecutor("shardline-https-disk", Math.max(4, 2 * config.instances()));
      requests = new FileRequests(vertx, tree, disk, FrameSocket.ALLOC, config.token(), config.bucket(),
          new ConnectionLimits(config.maxConnectionsPerAddress(), config.maxConnections()), config.layout(),
          config.maxFiles());
      return options();
    }).compose(this::deploy);
  }

  private HttpServerOptions options() {
    HttpServerOptions o = TlsSupport.server(new HttpServerOptions(), config.certPem(), config.keyPem(),
        config.handshakeTimeoutMs(), config.clientCa());
    o.setHost(config.host());
    o.setIdleTimeout(config.idleTimeoutSeconds());
    o.setIdleTimeoutUnit(TimeUnit.SECONDS);
    o.setMaxInitialLineLength(MAX_REQUEST_LINE);
    o.setMaxHeaderSize(MAX_HEADERS);
    o.setCompressionSupported(false); // chunks of weights do not shrink by gzip; bytes go as they are
    o.setDecompressionSupported(false);
    o.setHandle100ContinueAutomatically(false);
    // HTTP/1.1 only: with curl from page cache, HTTP/2's flow-controlled frames cost throughput
    // (docs/benchmarks.md); any client that offers h2 falls back to HTTP/1.1 through ALPN.
    o.setUseAlpn(true);
    o.setAlpnVersions(List.of(HttpVersion.HTTP_1_1));
    return o;
  }

  /**
   * Every listener on one port, which they share: Vert.x spreads a shared port's connections over
   * the listeners' event loops. Port 0 is passed to {@code listen} as a negative port of this
   * front's own: servers given the same negative port share one free port, where 0 would give
   * each its own; and another front, or the node's shardline port (-1), has another.
   */
  private Future<Integer> deploy(HttpServerOptions o) {
    int listenPort = config.port() == 0 ? SHARED_FREE_PORTS.decrementAndGet() : config.port();
    List<Listener> started = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
      Listener l = new Listener(o, listenPort, requests);
      started.add(l);
      return l;
    }, new DeploymentOptions().setInstances(config.instances())).map(id -> {
      deployments.add(id);
      port = started.get(0).server.actualPort();
      return port;
    });
  }

  /** The port it listens on (after {@link #start}). */
  public int port() {
    return port;
  }

  /** Requests refused for a missing or wrong token. */
  public long refused() {
    return requests == null ? 0 : requests.refused();
  }

  /** Connections closed because a limit was reached. */
  public long limitedConnections() {
    return requests == null ? 0 : requests.limits().closed();
  }

  /** Stops listening; requests in flight are cut off. */
  public Future<Void> stop() {
    Future<Void> f = Future.succeededFuture();
    for (String id : deployments) {
      f = f.compose(v -> vertx.undeploy(id));
    }
    deployments.clear();
    return f.onComplete(v -> {
      if (disk != null) {
        disk.close();
      }
    });
  }

  /** The line {@code serve} prints when the front listens. */
  public static String banner(String host, int port) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "https on " + h + ":" + port;
  }

  /** One listener instance (an event loop's). */
  private static final class Listener extends VerticleBase {
    private final HttpServerOptions options;
    private final int port;
    private final FileRequests requests;
    private HttpServer server;

    Listener(HttpServerOptions options, int port, FileRequests requests) {
      this.options = options;
      this.port = port;
      this.requests = requests;
    }

    @Override
    public Future<?> start() {
      server = vertx.createHttpServer(options)
          .connectionHandler(requests::connected)
          .requestHandler(requests::handle);
      return server.listen(port, options.getHost());
    }

    @Override
    public Future<?> stop() {
      return server.close();
    }
  }
}
