package io.shardline.engine.lane;

import io.shardline.engine.codec.CodecSet;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsAlerts;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.net.NetClient;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/**
 * A client connection through TLS and the HELLO/WELCOME handshake. Must be opened from the
 * event-loop context the lane runs on: the socket is bound to the caller's context.
 */
public final class ClientConnection {
  private final FrameSocket socket;
  private Handler<Object> handler;
  private final Promise<ClientConnection> welcome;

  private ClientConnection(FrameSocket socket, Promise<ClientConnection> welcome) {
    this.socket = socket;
    this.welcome = welcome;
  }

  /** Where to connect and how to introduce ourselves. */
  public record Target(String host, int port, String token, int maxFrame, long timeoutMs,
      PinningTrustManager pinning, long laneRate) {
    public Target(String host, int port, String token, int maxFrame, long timeoutMs, PinningTrustManager pinning) {
      this(host, port, token, maxFrame, timeoutMs, pinning, 0);
    }
  }

  public static Future<ClientConnection> open(Vertx vertx, NetClient client, Target t, int lane) {
    return client.connect(t.port(), t.host())
        .recover(e -> Future.failedFuture(classify(e, t)))
        .compose(so -> hello(vertx, t, lane, h -> new FrameSocket(so, t.maxFrame(), h)));
  }

  /**
   * The handshake over a connection the other side opened (v7 push: the pusher dialled it and
   * serves on it, this node pulls): the socket is taken over, frames up to the target's limit
   * accepted, HELLO sent. Call on the socket's context.
   */
  public static Future<ClientConnection> over(Vertx vertx, FrameSocket fs, Target t, int lane) {
    return hello(vertx, t, lane, h -> {
      fs.takeOver(h, t.maxFrame());
      return fs;
    });
  }

  private static Future<ClientConnection> hello(Vertx vertx, Target t, int lane,
      java.util.function.Function<Handler<Object>, FrameSocket> framing) {
    Promise<ClientConnection> p = Promise.promise();
    ClientConnection[] self = new ClientConnection[1];
    FrameSocket fs = framing.apply(msg -> self[0].dispatch(msg));
    self[0] = new ClientConnection(fs, p);
    fs.closeHandler(v -> self[0].closed());
    fs.exceptionHandler(e -> self[0].failed(e, t));
    fs.send(new Frame.Hello(Protocol.VERSION, lane, t.token(), CodecSet.DECODABLE, t.laneRate()));
    long timer = vertx.setTimer(t.timeoutMs(), id -> p.tryFail(
        new ShardlineException(ErrorCode.HANDSHAKE_TIMEOUT, "no WELCOME from the server within " + t.timeoutMs() + " ms")));
    return p.future()
        .andThen(ar -> vertx.cancelTimer(timer))
        .onFailure(e -> fs.close());
  }

  /** A failed connect or TLS handshake to {@code t} as a typed error (refused, untrusted, timed out, lost). */
  public static Throwable classify(Throwable e, Target t) {
    ShardlineException refused = TlsAlerts.clientCertificateRefused(e, t.host() + ":" + t.port());
    if (refused != null) {
      return refused;
    }
    String pinned = t.pinning() == null ? null : t.pinning().rejection();
    if (pinned != null) {
      return new ShardlineException(ErrorCode.UNTRUSTED_PEER, pinned, e);
    }
    String where = t.host() + ":" + t.port();
    boolean tls = false;
    boolean certificate = false;
    boolean closed = false;
    Throwable root = e;
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      root = c;
      if (c instanceof SslHandshakeTimeoutException) {
        // a slow or overloaded peer, not an untrusted one: retried like any lost connection
        return new ShardlineException(ErrorCode.HANDSHAKE_TIMEOUT, "TLS handshake with " + where + " timed out: "
            + c.getMessage(), e);
      }
      tls |= c instanceof SSLException;
      certificate |= c instanceof CertificateException;
      // Netty: "Connection closed while SSL/TLS handshake was in progress", "SSLEngine closed already"
      closed |= c instanceof SSLException && c.getMessage() != null && c.getMessage().toLowerCase(java.util.Locale.ROOT)
          .contains("closed");
    }
    closed |= root instanceof java.io.IOException && !(root instanceof SSLException);
    if (tls && !certificate && closed) {
      // the connection went away mid-handshake (a restarting or overloaded server): retryable
      return new ShardlineException(ErrorCode.CONNECTION_LOST, "connection to " + where
          + " closed during the TLS handshake: " + root, e);
    }
    if (tls || certificate) {
      return new ShardlineException(ErrorCode.UNTRUSTED_PEER, "TLS handshake with " + where + " failed: "
          + e.getMessage() + (root != e ? " (" + root.getMessage() + ")" : ""), e);
    }
    return new ShardlineException(ErrorCode.CONNECTION_LOST, "cannot connect to " + where + ": " + e.getMessage(), e);
  }

  private void dispatch(Object msg) {
    if (!welcome.future().isComplete()) {
      if (msg instanceof Frame.Welcome w) {
        if (w.version() != Protocol.VERSION) {
          welcome.tryFail(new ShardlineException(ErrorCode.PROTOCOL_VERSION, "server speaks protocol version " + w.version()
              + ", this client " + Protocol.VERSION));
        } else {
          welcome.tryComplete(this);
        }
      } else if (msg instanceof Frame.Error e) {
        welcome.tryFail(new ShardlineException(e.code(), "server refused the connection: " + e.message()));
      } else if (msg instanceof ShardlineException e) {
        welcome.tryFail(e);
      } else {
        if (msg instanceof Frame.Data d) {
          d.release();
        }
        welcome.tryFail(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "expected WELCOME"));
      }
      return;
    }
    Handler<Object> h = handler;
    if (h != null) {
      h.handle(msg);
    } else if (msg instanceof Frame.Data d) {
      d.release();
    }
  }

  /** A refused client certificate arrives as a TLS alert after connecting: fail the handshake with it. */
  private void failed(Throwable e, Target t) {
    ShardlineException refused = TlsAlerts.clientCertificateRefused(e, t.host() + ":" + t.port());
    if (refused != null) {
      welcome.tryFail(refused);
    }
  }

  private void closed() {
    welcome.tryFail(new ShardlineException(ErrorCode.CONNECTION_LOST, "server closed the connection during the handshake"));
    Handler<Object> h = handler;
    if (h != null) {
      h.handle(new ShardlineException(ErrorCode.CONNECTION_LOST, "connection closed"));
    }
  }

  /** Receives frames after the handshake, and a CONNECTION_LOST exception when it closes. */
  public void handler(Handler<Object> h) {
    handler = h;
  }

  public FrameSocket socket() {
    return socket;
  }
}
