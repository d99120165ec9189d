package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.tls.Fingerprint;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a client classifies a failed TLS handshake: a peer that accepts TCP but never answers (a
 * stopped or overloaded server) is a retryable {@code HANDSHAKE_TIMEOUT}, and one that closes the
 * connection is a retryable {@code CONNECTION_LOST}; neither is an untrusted server.
 */
class HandshakeFailureTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** A plain TCP server on 127.0.0.1:0 that does {@code onConnect} with each connection. */
  private int server(boolean closeAtOnce) throws Exception {
    NetServer s = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
        .connectHandler(so -> {
          if (closeAtOnce) {
            so.close();
          } else {
            so.pause(); // accepted, never read, never answered
          }
        });
    return Loopback.await(s.listen()).actualPort();
  }

  private ShardlineException connect(int port) throws Exception {
    Fingerprint any = Fingerprint.parse("sha256:" + "ab".repeat(32));
    PinningTrustManager pin = new PinningTrustManager(any);
    NetClient client = vertx.createNetClient(TlsSupport.client(new Trust.Pinned(any), pin, 400));
    ClientConnection.Target target = new ClientConnection.Target("127.0.0.1", port, "", Protocol.maxServerFrame(1 << 20),
        400, pin);
    Context ctx = ((VertxInternal) vertx).createEventLoopContext();
    Promise<ClientConnection> p = Promise.promise();
    ctx.runOnContext(v -> ClientConnection.open(vertx, client, target, 1).onComplete(p));
    try {
      Loopback.await(p.future());
    } catch (ShardlineException e) {
      return e;
    }
    throw new AssertionError("the handshake should have failed");
  }

  @Test
  void aServerThatNeverAnswersTheHandshakeIsATimeoutNotAnUntrustedPeer() throws Exception {
    ShardlineException e = connect(server(false));
    assertEquals(ErrorCode.HANDSHAKE_TIMEOUT, e.code(), e::toString);
    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("timed out"), e::getMessage);
  }

  @Test
  void aServerThatClosesDuringTheHandshakeIsALostConnection() throws Exception {
    ShardlineException e = connect(server(true));
    assertTrue(e.retryable(), e::toString);
    assertTrue(e.code() == ErrorCode.CONNECTION_LOST || e.code() == ErrorCode.HANDSHAKE_TIMEOUT, e::toString);
  }
}
