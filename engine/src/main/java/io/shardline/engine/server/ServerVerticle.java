package io.shardline.engine.server;

import io.shardline.engine.tls.TlsAlerts;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One listener instance; deployed once per event loop so lanes spread over all cores. */
final class ServerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ServerVerticle.class);
  private final ServedTree served;
  private final NetServerOptions options;
  private NetServer server;

  ServerVerticle(ServedTree served, NetServerOptions options) {
    this.served = served;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    served.loops().add(context);
    server = vertx.createNetServer(options)
        .connectHandler(so -> new ServerLane(vertx, served, so))
        .exceptionHandler(t -> handshakeFailed(served, t));
    // Lanes start TLS themselves (the listener is plaintext, see ShardlineServer): load the TLS
    // context now, as a TLS listener would, so the first client's handshake does not pay for it.
    return server.listen().compose(s -> options.getKeyCertOptions() == null ? Future.succeededFuture(s)
        : s.updateSSLOptions(options.getSslOptions(), true).map(s));
  }

  /**
   * A connection that failed before it became a lane. A TLS failure (with {@code --client-ca}:
   * no client certificate, or one no trusted CA signed; a client that refused our certificate;
   * not TLS at all; a handshake timeout) is counted and logged with its reason; a peer that just
   * went away mid-handshake is logged at debug level. The connection is closed by then; other
   * clients are not affected. (TLS starts in {@link ServerLane}, which reports its failures here.)
   */
  static void handshakeFailed(ServedTree served, Throwable t) {
    if (!TlsAlerts.isTlsFailure(t)) {
      LOG.debug("a connection closed before its TLS handshake completed: {}", t.toString());
      return;
    }
    served.failedHandshakes().incrementAndGet();
    LOG.warn("refused a connection: TLS handshake failed: {}", TlsAlerts.serverSideReason(t));
  }

  /** Undeployed (the server stops, Vert.x closes): open source files are closed, in-flight reads first. */
  @Override
  public Future<?> stop() {
    served.files().close();
    return Future.succeededFuture();
  }

  int actualPort() {
    return server.actualPort();
  }
}
