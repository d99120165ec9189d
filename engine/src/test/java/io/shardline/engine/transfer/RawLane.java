package io.shardline.engine.transfer;

import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test client: one authenticated lane to a {@link Loopback} server that sends raw LIST and GET
 * frames and completes, per request id, with the answer (the ERROR frame, the LIST_END, or the
 * first DATA frame, released). For requests no real client would send.
 */
final class RawLane implements AutoCloseable {
  private final Context ctx;
  private final NetClient client;
  private final ClientConnection conn;
  private final Map<Integer, CompletableFuture<Frame>> answers = new ConcurrentHashMap<>();

  private RawLane(Context ctx, NetClient client, ClientConnection conn) {
    this.ctx = ctx;
    this.client = client;
    this.conn = conn;
  }

  static RawLane open(Loopback net, int chunkSize) throws Exception {
    Context ctx = ((VertxInternal) net.vertx).createEventLoopContext();
    PinningTrustManager pin = new PinningTrustManager(net.info.fingerprint());
    NetClient client = net.vertx.createNetClient(TlsSupport.client(new Trust.Pinned(net.info.fingerprint()), pin, 5000));
    Promise<ClientConnection> opened = Promise.promise();
    ctx.runOnContext(v -> ClientConnection.open(net.vertx, client, new ClientConnection.Target("127.0.0.1",
        net.info.port(), "", Protocol.maxServerFrame(chunkSize), 5000, pin), 1).onComplete(opened));
    RawLane lane = new RawLane(ctx, client, Loopback.await(opened.future()));
    ctx.runOnContext(v -> lane.conn.handler(lane::onMessage));
    return lane;
  }

  private void onMessage(Object m) {
    if (m instanceof Frame.Data d) {
      d.release();
      complete(d.requestId(), new Frame.Data(d.requestId(), d.offset(), d.codec(), d.rawLength(), d.crc(), null));
    } else if (m instanceof Frame.Error e) {
      complete(e.requestId(), e);
    } else if (m instanceof Frame.ListEnd l) {
      complete(l.requestId(), l);
    }
  }

  private void complete(int id, Frame f) {
    answers.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(f);
  }

  private CompletableFuture<Frame> answer(int id) {
    return answers.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  CompletableFuture<Frame> get(int id, String path, long offset, int length) {
    CompletableFuture<Frame> f = answer(id);
    ctx.runOnContext(v -> conn.socket().send(new Frame.Get(id, path, offset, length, 1)));
    return f;
  }

  CompletableFuture<Frame> list(int id, String path, int chunkSize) {
    CompletableFuture<Frame> f = answer(id);
    ctx.runOnContext(v -> conn.socket().send(new Frame.List(id, chunkSize, path)));
    return f;
  }

  @Override
  public void close() throws Exception {
    ctx.runOnContext(v -> conn.socket().close());
    Loopback.await(client.close());
  }
}
