package io.shardline.gateway;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Keeps idle and slow clients from holding the gateway's connections: at most
 * {@code maxConnections} are open (more are closed as they arrive, so descriptors stay for real
 * clients), and a connection that has not sent a whole request head within {@code headTimeoutMs}
 * (from its start, or from its last response, while it has no request in progress) is closed: a
 * slowloris client that trickles header bytes keeps the idle timeout at bay but not this one.
 * A request in progress (an event stream, a slow upload) is not timed here. Confined to the HTTP
 * server's context.
 */
public final class ConnectionGuard {
  private final Vertx vertx;
  private final long headTimeoutMs;
  private final int maxConnections;
  private final Map<HttpConnection, State> open = new IdentityHashMap<>();
  private long refused;
  private long headTimeouts;

  /** One connection: requests in progress, and the timer waiting for the next head. */
  private static final class State {
    int inProgress;
    long timer = -1;
  }

  public ConnectionGuard(Vertx vertx, long headTimeoutMs, int maxConnections) {
    this.vertx = vertx;
    this.headTimeoutMs = headTimeoutMs;
    this.maxConnections = maxConnections;
  }

  /** The server's connection handler. */
  public void onConnection(HttpConnection c) {
    if (open.size() >= maxConnections) {
      refused++;
      c.close();
      return;
    }
    State s = new State();
    open.put(c, s);
    c.closeHandler(v -> {
      State gone = open.remove(c);
      if (gone != null && gone.timer >= 0) {
        vertx.cancelTimer(gone.timer);
      }
    });
    awaitHead(c, s);
  }

  private void awaitHead(HttpConnection c, State s) {
    s.timer = vertx.setTimer(headTimeoutMs, t -> {
      if (open.get(c) == s && s.timer == t && s.inProgress == 0) {
        headTimeouts++;
        c.close();
      }
    });
  }

  /** Wraps the request handler: a request's head is complete when it arrives here. */
  public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
    return req -> {
      HttpConnection c = req.connection();
      State s = c == null ? null : open.get(c);
      if (s != null) {
        s.inProgress++;
        if (s.timer >= 0) {
          vertx.cancelTimer(s.timer);
          s.timer = -1;
        }
        req.response().endHandler(v -> {
          if (--s.inProgress == 0 && open.get(c) == s) {
            awaitHead(c, s); // the next request's head, on a kept-alive connection
          }
        });
      }
      next.handle(req);
    };
  }

  public int openConnections() {
    return open.size();
  }

  /** Connections closed on arrival, over the limit. */
  public long refused() {
    return refused;
  }

  /** Connections closed because a request head did not arrive in time. */
  public long headTimeouts() {
    return headTimeouts;
  }
}
