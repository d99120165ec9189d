package io.shardline.engine.transfer;

import io.shardline.engine.codec.CodecId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.lane.Backoff;
import io.shardline.engine.lane.ChunkScheduler;
import io.shardline.engine.lane.ChunkTarget;
import io.shardline.engine.lane.ChunkTask;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.lane.ClientLane;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory stays bounded when one side cannot keep up: the other side is made to wait. */
class BackpressureTest {
  static final int CHUNK = 64 * 1024;

  @TempDir
  Path tmp;

  /** Polls until the value stops changing for {@code quietMs}; bounded by 10 s. */
  private static long settled(LongSupplier v, long quietMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long last = v.getAsLong();
    long since = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(20);
      long now = v.getAsLong();
      if (now != last) {
        last = now;
        since = System.nanoTime();
      } else if ((System.nanoTime() - since) / 1_000_000 >= quietMs) {
        break;
      }
    }
    return last;
  }

  @Test
  void serverReadsNoMoreThanItsWriteWindowForAClientThatDoesNotRead() throws Exception {
    try (Loopback net = new Loopback(tmp)) {
      Loopback.file(net.root.resolve("f.bin"), 2000L * CHUNK, 31);
      AtomicLong served = new AtomicLong();
      net.start(null, (path, off, lane, seq) -> {
        served.incrementAndGet();
        return io.shardline.engine.server.FaultHook.Action.PASS;
      });
      Context ctx = ((VertxInternal) net.vertx).createEventLoopContext();
      PinningTrustManager pin = new PinningTrustManager(net.info.fingerprint());
      AtomicInteger received = new AtomicInteger();
      Promise<ClientConnection> opened = Promise.promise();
      // Held for the whole test: Vert.x closes a NetClient (and its connections) once it is garbage.
      NetClient client = net.vertx.createNetClient(TlsSupport.client(new Trust.Pinned(net.info.fingerprint()), pin, 5000));
      ctx.runOnContext(v -> {
        ClientConnection.open(net.vertx, client, new ClientConnection.Target("127.0.0.1", net.info.port(), "",
            Protocol.maxServerFrame(CHUNK), 5000, pin), 1).onComplete(opened);
      });
      ClientConnection conn = Loopback.await(opened.future());
      CountDownLatch all = new CountDownLatch(2000);
      ctx.runOnContext(v -> {
        conn.handler(m -> {
          if (m instanceof Frame.Data d) {
            d.release();
            received.incrementAndGet();
            all.countDown();
          }
        });
        conn.socket().pause(); // a client that asks for everything and reads nothing
        for (int i = 0; i < 2000; i++) {
          conn.socket().send(new Frame.Get(i + 1, "f.bin", (long) i * CHUNK, CHUNK, 1));
        }
      });
      long started = settled(served::get, 500);
      // A write completes once its bytes are in the kernel's socket buffers (several MiB each way
      // on loopback), so reads started = the 16 MiB window (256 chunks) + what the kernel holds.
      long windowChunks = io.shardline.engine.server.ServeOptions.DEFAULT_LANE_WRITE_WINDOW / CHUNK;
      long kernelChunks = 64L * 1024 * 1024 / CHUNK;
      assertTrue(started <= windowChunks + kernelChunks, "server must stop reading: started " + started + " of 2000");
      ctx.runOnContext(v -> conn.socket().resume());
      assertTrue(all.await(30, TimeUnit.SECONDS), "all chunks arrive once the client reads: " + received.get());
      ctx.runOnContext(v -> conn.socket().close());
      Loopback.await(client.close());
    }
  }

  @Test
  void laneStopsRequestingWhileItsDiskSinkIsBehind() throws Exception {
    try (Loopback net = new Loopback(tmp)) {
      Loopback.file(net.root.resolve("f.bin"), 400L * CHUNK, 32);
      AtomicLong gets = new AtomicLong();
      net.start(null, (path, off, lane, seq) -> {
        gets.incrementAndGet();
        return io.shardline.engine.server.FaultHook.Action.PASS;
      });
      CountDownLatch disk = new CountDownLatch(1);
      AtomicInteger stored = new AtomicInteger();
      int n = 400;
      FileManifest m = new FileManifest("f.bin", "f.bin", (long) n * CHUNK, 0, CHUNK, new int[n], new byte[n * 32],
          new byte[RootDigest.BYTES]);
      ChunkTarget slowDisk = new ChunkTarget() {
        public FileManifest manifest() { return m; }
        public boolean failed() { return false; }
        public void fail(ShardlineException e) { throw new AssertionError(e); }
        public void accept(int index, CodecId codec, int rawLength, int wireCrc, ByteBuf payload) throws Exception {
          try {
            disk.await(); // the disk is stuck until the test lets it go
            stored.incrementAndGet();
          } finally {
            payload.release();
          }
        }
      };
      List<ChunkTask> tasks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        tasks.add(new ChunkTask(slowDisk, i, 0));
      }
      PinningTrustManager pin = new PinningTrustManager(net.info.fingerprint());
      NetClient client = net.vertx.createNetClient(TlsSupport.client(new Trust.Pinned(net.info.fingerprint()), pin, 5000));
      WorkerExecutor pool = net.vertx.createSharedWorkerExecutor("test-disk", 8);
      int window = 3;
      int backlog = 2;
      ClientLane lane = new ClientLane(1, ((VertxInternal) net.vertx).createEventLoopContext(), client,
          new ClientConnection.Target("127.0.0.1", net.info.port(), "", Protocol.maxServerFrame(CHUNK), 5000, pin),
          new ChunkScheduler(tasks), pool, new TransferCounters(),
          new ClientLane.Settings(window, backlog, 5, 60_000, Backoff.DEFAULT), e -> { throw new AssertionError(e); });
      lane.start();
      long requested = settled(gets::get, 500);
      // At most window requests are out, and new ones go out only as DATA arrives, which stops
      // once `backlog` chunks wait for the disk and the socket is paused.
      assertTrue(requested <= window + backlog, "requests while the disk is stuck: " + requested);
      assertEquals(0, stored.get());
      disk.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (stored.get() < n && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(n, stored.get(), "all chunks stored once the disk catches up");
      Loopback.await(lane.stop());
      pool.close();
    }
  }
}
