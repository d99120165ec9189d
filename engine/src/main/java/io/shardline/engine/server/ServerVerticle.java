package io.shardline.engine.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/** One listener instance; deployed once per event loop so lanes spread over all cores. */
final class ServerVerticle extends VerticleBase {
  private final ServedTree served;
  private final NetServerOptions options;
  private NetServer server;

  ServerVerticle(ServedTree served, NetServerOptions options) {
    this.served = served;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(options)
        .connectHandler(so -> new ServerLane(vertx, served, so));
    return server.listen();
  }

  int actualPort() {
    return server.actualPort();
  }
}
