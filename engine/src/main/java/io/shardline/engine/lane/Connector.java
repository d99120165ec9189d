package io.shardline.engine.lane;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;

/**
 * How a pull gets its connections: TCP and TLS to the source ({@link #tcp}, every pull's), or
 * connections a pusher opened to this node and serves on (v7, {@code push/DialBack}). A
 * connection is bound to the context it was opened from, and so is whoever uses it: a lane's
 * state belongs to its event loop.
 */
public interface Connector {
  /** A context for a lane, or for the session's own work: connections opened from it are bound to it. */
  Context context();

  /** A connection through its handshake (HELLO/WELCOME); call on the context it is for. */
  Future<ClientConnection> open(ClientConnection.Target target, int lane);

  /** Connections to the target's host and port, through {@code client} (which does TLS). */
  static Connector tcp(Vertx vertx, NetClient client) {
    return tcp(vertx, t -> client);
  }

  /** Connections to the target's host and port, each through the client {@code clients} gives for its target. */
  static Connector tcp(Vertx vertx, java.util.function.Function<ClientConnection.Target, NetClient> clients) {
    return new Connector() {
      @Override
      public Context context() {
        return ((VertxInternal) vertx).createEventLoopContext();
      }

      @Override
      public Future<ClientConnection> open(ClientConnection.Target target, int lane) {
        return ClientConnection.open(vertx, clients.apply(target), target, lane);
      }
    };
  }
}
