package io.shardline.engine.transfer;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Is a node alive and speaking the protocol? One connection: TCP, the TLS handshake, HELLO, and
 * the node's answer (WELCOME, or a typed refusal), within a deadline. Exists because a listening
 * socket proves little: a frozen or wedged JVM still accepts connections (the kernel does), but
 * it answers no handshake. A node that refuses a HELLO without a token has answered: it is alive.
 */
public final class NodeProbe {
  private NodeProbe() {}

  /**
   * What the probe found.
   *
   * @param answered the node answered the HELLO at the protocol level (WELCOME or a typed refusal)
   * @param welcomed it accepted the HELLO (with the token given, if any)
   * @param refusal the node's refusal (code name), or null
   * @param error why it did not answer, or null
   */
  public record Result(String host, int port, boolean answered, boolean welcomed, String refusal, String error,
      double seconds) {
    public JsonObject toJson() {
      return new JsonObject().put("host", host).put("port", port).put("answered", answered).put("welcomed", welcomed)
          .put("protocol", welcomed ? Protocol.VERSION : null).put("refusal", refusal).put("error", error)
          .put("seconds", seconds);
    }
  }

  /** Probes {@code host:port}; never fails: a failure is a result with {@code error}. */
  public static Future<Result> run(Vertx vertx, String host, int port, Trust trust, String token, long timeoutMs) {
    return run(vertx, host, port, trust, token, timeoutMs, null, null);
  }

  /** As {@link #run(Vertx, String, int, Trust, String, long)}, presenting a client certificate (mutual TLS) when given. */
  public static Future<Result> run(Vertx vertx, String host, int port, Trust trust, String token, long timeoutMs,
      Path clientCert, Path clientKey) {
    long started = System.nanoTime();
    Promise<Result> done = Promise.promise();
    ((VertxInternal) vertx).createEventLoopContext().runOnContext(v -> {
      NetClient client;
      PinningTrustManager pinning;
      try {
        pinning = trust instanceof Trust.Pinned p ? new PinningTrustManager(p.fingerprint()) : null;
        client = vertx.createNetClient(TlsSupport.client(trust, pinning, (int) timeoutMs, clientCert, clientKey));
      } catch (RuntimeException e) {
        done.complete(new Result(host, port, false, false, null, e.getMessage(), seconds(started)));
        return;
      }
      ClientConnection.Target target = new ClientConnection.Target(host, port, token == null ? "" : token,
          Protocol.maxServerFrame(4 * 1024 * 1024), timeoutMs, pinning);
      ClientConnection.open(vertx, client, target, 0)
          .timeout(timeoutMs, TimeUnit.MILLISECONDS)
          .onComplete(ar -> {
            Result r;
            if (ar.succeeded()) {
              ar.result().socket().close();
              r = new Result(host, port, true, true, null, null, seconds(started));
            } else if (ar.cause() instanceof ShardlineException e && refusal(e.code())) {
              r = new Result(host, port, true, false, e.code().name(), e.getMessage(), seconds(started));
            } else {
              r = new Result(host, port, false, false, null, message(ar.cause()), seconds(started));
            }
            client.close().onComplete(x -> done.complete(r));
          });
    });
    return done.future();
  }

  /** Codes a node sends in an ERROR frame in answer to a HELLO: it is alive, it said no. */
  private static boolean refusal(ErrorCode code) {
    return code == ErrorCode.AUTH_FAILED || code == ErrorCode.BUSY || code == ErrorCode.PROTOCOL_VERSION;
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private static double seconds(long started) {
    return Math.round((System.nanoTime() - started) / 1e6) / 1000.0;
  }
}
