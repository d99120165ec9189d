package io.shardline.engine.transfer;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay between pull lanes and a server that hurts the server-to-client stream on
 * purpose (in the spirit of OkHttp's SocketEffect): flip a bit in chosen DATA payloads (in the
 * test-only plaintext mode it parses frames), flip a raw byte (under TLS), drop or stall a
 * connection once it has forwarded some bytes. Each one-shot fault fires on one connection only.
 * Bound to 127.0.0.1:0; closed with the test.
 */
final class FaultProxy implements AutoCloseable {
  private final NetServer server;
  private final NetClient client;
  private final int port;
  /** DATA frames (counted over all connections, from 0) whose payload gets one bit flipped. */
  final Set<Integer> flipDataFrames = ConcurrentHashMap.newKeySet();
  final AtomicInteger dataFrames = new AtomicInteger();
  final AtomicInteger flipped = new AtomicInteger();
  volatile long flipByteAt = -1;
  volatile long dropAfter = -1;
  volatile long stallAfter = -1;
  private final AtomicBoolean byteFlipUsed = new AtomicBoolean();
  private final AtomicBoolean dropUsed = new AtomicBoolean();
  private final AtomicBoolean stallUsed = new AtomicBoolean();
  final AtomicInteger dropped = new AtomicInteger();
  final AtomicInteger stalled = new AtomicInteger();

  private FaultProxy(NetServer server, NetClient client, int port) {
    this.server = server;
    this.client = client;
    this.port = port;
  }

  static FaultProxy start(Vertx vertx, int targetPort) throws Exception {
    NetClient client = vertx.createNetClient();
    FaultProxy[] self = new FaultProxy[1];
    NetServer server = vertx.createNetServer().connectHandler(down -> {
      down.pause();
      client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          down.close();
          return;
        }
        self[0].relay(down, ar.result());
      });
    });
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    self[0] = new FaultProxy(server, client, server.actualPort());
    return self[0];
  }

  /** Makes the one-shot faults fire again (on the next connection that reaches them). */
  void rearm() {
    byteFlipUsed.set(false);
    dropUsed.set(false);
    stallUsed.set(false);
  }

  int port() {
    return port;
  }

  private void relay(NetSocket down, NetSocket up) {
    down.pipeTo(up); // client to server: untouched
    Downstream d = new Downstream(up, down);
    up.handler(d::handle);
    up.closeHandler(v -> down.close());
    down.closeHandler(v -> up.close());
    down.resume();
  }

  /** The server-to-client direction of one connection, with its frame parser. */
  private final class Downstream {
    private final NetSocket up;
    private final NetSocket down;
    private long forwarded;
    private boolean stalling;
    private final byte[] prefix = new byte[5];
    private int prefixFill;
    private long bodyLeft;
    private long headerLeft;
    private boolean flipThis;

    Downstream(NetSocket up, NetSocket down) {
      this.up = up;
      this.down = down;
    }

    void handle(Buffer b) {
      if (stalling) {
        return;
      }
      if (dropAfter >= 0 && forwarded + b.length() > dropAfter && dropUsed.compareAndSet(false, true)) {
        dropped.incrementAndGet();
        down.close();
        up.close();
        return;
      }
      if (stallAfter >= 0 && forwarded + b.length() > stallAfter && stallUsed.compareAndSet(false, true)) {
        stalled.incrementAndGet();
        stalling = true; // swallow everything from now on: the lane's watchdog has to notice
        return;
      }
      if (flipByteAt >= 0 && forwarded <= flipByteAt && flipByteAt < forwarded + b.length()
          && byteFlipUsed.compareAndSet(false, true)) {
        int i = (int) (flipByteAt - forwarded);
        b.setByte(i, (byte) (b.getByte(i) ^ 0x01));
        flipped.incrementAndGet();
      }
      if (!flipDataFrames.isEmpty()) {
        parse(b);
      }
      forwarded += b.length();
      down.write(b);
      if (down.writeQueueFull()) {
        up.pause();
        down.drainHandler(v -> up.resume());
      }
    }

    /** Walks frames (plaintext only) and flips one payload bit in the chosen DATA frames. */
    private void parse(Buffer b) {
      int i = 0;
      int n = b.length();
      while (i < n) {
        if (bodyLeft == 0) {
          prefix[prefixFill++] = b.getByte(i++);
          if (prefixFill == 5) {
            prefixFill = 0;
            long len = ((prefix[0] & 0xFFL) << 24) | ((prefix[1] & 0xFF) << 16) | ((prefix[2] & 0xFF) << 8) | (prefix[3] & 0xFF);
            bodyLeft = len - 1;
            boolean data = (prefix[4] & 0xFF) == 0x21;
            headerLeft = data ? 21 : 0;
            flipThis = data && flipDataFrames.contains(dataFrames.getAndIncrement());
          }
          continue;
        }
        long take = Math.min(n - i, bodyLeft);
        if (flipThis) {
          long skip = Math.min(take, headerLeft);
          headerLeft -= skip;
          if (headerLeft == 0 && skip < take) {
            int at = i + (int) skip;
            b.setByte(at, (byte) (b.getByte(at) ^ 0x10));
            flipped.incrementAndGet();
            flipThis = false;
          }
        }
        i += (int) take;
        bodyLeft -= take;
      }
    }
  }

  @Override
  public void close() throws Exception {
    Future.join(server.close(), client.close()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
