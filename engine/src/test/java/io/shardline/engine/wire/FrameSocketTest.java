package io.shardline.engine.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.engine.testutil.LeakGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameSocket} over plain loopback TCP (port 0): what happens to decoded frames that are
 * still queued in Vert.x, behind {@link FrameSocket#pause()}, when the connection closes.
 */
class FrameSocketTest {
  static final int PAYLOAD = 64 * 1024;

  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * A server that sends {@code frames} DATA frames to whoever connects, and closes once the client
   * sends a byte (so the client's pipeline is in place before the close: closing at once raced
   * with it on a loaded machine, and the client's handler found no pipeline to join).
   */
  int serverSending(int frames) throws Exception {
    List<Frame> data = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      data.add(WireFixtures.heapData(i + 1, (long) i * PAYLOAD, PAYLOAD));
    }
    Buffer bytes = Buffer.buffer(WireFixtures.wire(data));
    NetServer server = await(vertx.createNetServer()
        .connectHandler(s -> {
          s.write(bytes);
          s.handler(b -> s.close());
        })
        .listen(0, "127.0.0.1"));
    return server.actualPort();
  }

  @Test
  void framesQueuedBehindAPauseAreReleasedWhenTheConnectionCloses() throws Exception {
    int port = serverSending(4); // fewer than Vert.x's 8 pending messages: reading goes on to EOF
    AtomicInteger delivered = new AtomicInteger();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    await(vertx.createNetClient().connect(port, "127.0.0.1").map(sock -> {
      FrameSocket fs = new FrameSocket(sock, Protocol.maxServerFrame(PAYLOAD), msg -> {
        delivered.incrementAndGet();
        if (msg instanceof Frame.Data d) {
          d.release();
        }
      });
      fs.pause(); // the lane's disk is behind: frames wait in Vert.x's queue
      fs.closeHandler(v -> closed.complete(null));
      sock.write(Buffer.buffer(new byte[] {1})); // ready: the server may close now
      return fs;
    }));
    closed.get(10, TimeUnit.SECONDS);
    assertEquals(0, delivered.get(), "paused: nothing reached the lane");

    LeakGuard.forceLeakReports();
    assertEquals(List.of(), LeakGuard.captured());
  }
}
