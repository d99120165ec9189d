package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Server limits: each is exceeded, answered with a clear error, and the server keeps serving. */
class LimitsTest extends LoopbackTestBase {

  private NetClient client() {
    PinningTrustManager pin = new PinningTrustManager(net.info.fingerprint());
    return net.vertx.createNetClient(TlsSupport.client(new Trust.Pinned(net.info.fingerprint()), pin, 5000));
  }

  private ClientConnection.Target target() {
    return new ClientConnection.Target("127.0.0.1", net.info.port(), "", Protocol.maxServerFrame(1 << 20), 5000,
        new PinningTrustManager(net.info.fingerprint()));
  }

  /** Opens a handshaken connection from a fresh event-loop context. */
  private ClientConnection open(NetClient client, int lane) throws Exception {
    Context ctx = ((VertxInternal) net.vertx).createEventLoopContext();
    Promise<ClientConnection> p = Promise.promise();
    ctx.runOnContext(v -> ClientConnection.open(net.vertx, client, target(), lane).onComplete(p));
    return Loopback.await(p.future());
  }

  private void assertStillServes() throws Exception {
    PullResult r = net.pull(net.options("", tmp.resolve("after")));
    assertTrue(r.ok(), () -> "server still serves others: " + r.errors());
  }

  @Test
  void connectionsPerAddressAreCapped() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 3L << 20, 41);
    net.startWith(o -> o.maxConnectionsPerAddress(2));
    NetClient client = client();
    List<ClientConnection> held = new ArrayList<>();
    held.add(open(client, 1));
    held.add(open(client, 2));
    Exception refused = null;
    try {
      open(client, 3);
    } catch (Exception e) {
      refused = e;
    }
    assertTrue(refused != null && refused.getMessage().contains("too many connections"), "refused: " + refused);
    for (ClientConnection c : held) {
      Context ctx = ((VertxInternal) net.vertx).createEventLoopContext();
      ctx.runOnContext(v -> c.socket().close());
    }
    Loopback.await(client.close());
    // A pull with more lanes than the cap: refused lanes back off and retry; the pull completes.
    PullResult r = net.pull(net.options("", dest).lanes(4).chunkSize(64 * 1024));
    assertTrue(r.ok(), r.errors()::toString);
    Loopback.assertSameTree(net.root, dest);
  }

  @Test
  void aClientThatNeverSaysHelloIsDisconnected() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 1000, 42);
    // (TLS and then HELLO each get this long; 2 s leaves room for a cold, loaded JVM's TLS handshake)
    net.startWith(o -> o.handshakeTimeoutMs(2_000));
    NetClient client = client();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    Context ctx = ((VertxInternal) net.vertx).createEventLoopContext();
    Promise<NetSocket> p = Promise.promise();
    ctx.runOnContext(v -> client.connect(net.info.port(), "127.0.0.1").onComplete(p));
    NetSocket so = Loopback.await(p.future()); // TLS done, then silence
    so.closeHandler(v -> closed.complete(null));
    closed.get(10, TimeUnit.SECONDS);
    Loopback.await(client.close());
    assertStillServes();
  }

  @Test
  void idleConnectionsAreClosed() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 1000, 43);
    net.startWith(o -> o.idleTimeoutSeconds(1));
    NetClient client = client();
    ClientConnection conn = open(client, 1);
    CompletableFuture<Object> lost = new CompletableFuture<>();
    conn.handler(lost::complete); // the connection reports CONNECTION_LOST when it closes
    Object why = lost.get(10, TimeUnit.SECONDS);
    assertTrue(String.valueOf(why).contains("CONNECTION_LOST"), "closed: " + why);
    Loopback.await(client.close());
    assertStillServes();
  }

  @Test
  void listingsOverTheFileLimitAreRefused() throws Exception {
    for (int i = 0; i < 12; i++) {
      Loopback.file(net.root.resolve("many/f" + i), 10, 50 + i);
    }
    Loopback.file(net.root.resolve("few/g"), 10, 70);
    net.startWith(o -> o.maxFiles(10));
    PullResult r = net.pull(net.options("many", dest));
    assertFalse(r.ok());
    assertTrue(r.errors().get(0).contains("more than 10 files"), r.errors()::toString);
    assertFalse(java.nio.file.Files.exists(dest));
    PullResult few = net.pull(net.options("few", tmp.resolve("few")));
    assertTrue(few.ok(), few.errors()::toString);
  }

  @Test
  void distinctChunkSizesAreCapped() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 600_000, 81);
    net.startWith(o -> o.maxChunkSizes(2));
    // 64 KiB (the harness's size) and 128 KiB take the two slots; the default 4 MiB is always served.
    for (int size : new int[] {64 << 10, 128 << 10, Protocol.DEFAULT_CHUNK, 64 << 10}) {
      PullResult r = net.pull(net.options("", tmp.resolve("ok-" + size + "-" + System.nanoTime())).chunkSize(size));
      assertTrue(r.ok(), () -> size + ": " + r.errors());
    }
    long t0 = System.nanoTime();
    PullResult refused = net.pull(net.options("", dest).chunkSize(256 << 10));
    assertFalse(refused.ok());
    assertTrue((System.nanoTime() - t0) / 1e9 < 10, "refused at once, not retried");
    String msg = refused.errors().get(0);
    assertTrue(msg.contains("at most 3 distinct chunk sizes") && msg.contains("[4MiB, 128KiB, 64KiB]"), msg);
    assertFalse(java.nio.file.Files.exists(dest), "nothing written for a refused listing");
    for (int size : new int[] {128 << 10, 64 << 10}) {
      PullResult r = net.pull(net.options("", tmp.resolve("again-" + size)).chunkSize(size));
      assertTrue(r.ok(), () -> "sizes already admitted are still served: " + size + ": " + r.errors());
    }
  }
}
