package io.shardline.gateway.soak;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded crowd of plain TCP connections to 127.0.0.1:{@code port}, all on one event-loop
 * context: each connection sends {@code prefix}, then either stalls or trickles one byte of
 * {@code trickle} a second, and is closed and replaced after a seeded lifetime (or once the peer
 * closes it). Counts what the peer does: connections it closed, connections it answered (the
 * first line of each answer is kept), connects that failed. At most {@code maxConnects}
 * connections over the crowd's life.
 */
final class SocketCrowd {
  final String name;
  private final Vertx vertx;
  private final Context context;
  private final NetClient client;
  private final int port;
  private final byte[] prefix;
  private final byte trickle;
  private final boolean trickles;
  private final long minLifeMs;
  private final long maxLifeMs;
  private final int maxConnects;
  /** Touched on {@link #context} only. */
  private final SplittableRandom random;
  private volatile boolean stopped;

  final AtomicInteger connects = new AtomicInteger();
  final AtomicInteger connectFailures = new AtomicInteger();
  final AtomicInteger closedByPeer = new AtomicInteger();
  final AtomicInteger answered = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger peakOpen = new AtomicInteger();
  /** The first line of each answer the peer sent (bounded to 100). */
  final ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();

  /**
   * @param trickle the byte sent once a second after the prefix; negative: stall (send nothing more)
   * @param maxLifeMs {@code Long.MAX_VALUE}: kept until the peer closes it or the crowd stops
   */
  SocketCrowd(String name, Vertx vertx, int port, byte[] prefix, int trickle, long minLifeMs, long maxLifeMs,
      int maxConnects, long seed) {
    this.name = name;
    this.vertx = vertx;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
    this.port = port;
    this.prefix = prefix.clone();
    this.trickle = (byte) trickle;
    this.trickles = trickle >= 0;
    this.minLifeMs = minLifeMs;
    this.maxLifeMs = maxLifeMs;
    this.maxConnects = maxConnects;
    this.random = new SplittableRandom(seed);
  }

  /** Opens {@code size} connections, each one renewed as described, until {@link #stop()}. */
  SocketCrowd start(int size) {
    context.runOnContext(v -> {
      for (int i = 0; i < size; i++) {
        connect();
      }
    });
    return this;
  }

  private void connect() {
    if (stopped || connects.get() >= maxConnects) {
      return;
    }
    connects.incrementAndGet();
    client.connect(port, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        connectFailures.incrementAndGet();
        vertx.setTimer(250, t -> connect());
        return;
      }
      NetSocket so = ar.result();
      peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      boolean[] weClosed = {false};
      long life = maxLifeMs == Long.MAX_VALUE ? -1 : minLifeMs + random.nextLong(Math.max(1, maxLifeMs - minLifeMs));
      long[] timers = {-1, -1};
      so.handler(b -> {
        if (answers.size() < 100) {
          answers.add(firstLine(b));
        }
        answered.incrementAndGet();
        weClosed[0] = true; // an answer ends the attack on this connection: close it and replace it
        so.close();
      });
      so.closeHandler(x -> {
        open.decrementAndGet();
        for (long t : timers) {
          if (t >= 0) {
            vertx.cancelTimer(t);
          }
        }
        if (!weClosed[0] && !stopped) {
          closedByPeer.incrementAndGet();
        }
        // renewed after a short pause (bounded by maxConnects), so a peer that closes at once is not hammered
        vertx.setTimer(100 + random.nextInt(150), t -> connect());
      });
      so.write(Buffer.buffer(prefix));
      if (trickles) {
        timers[0] = vertx.setPeriodic(1_000, t -> so.write(Buffer.buffer(new byte[] {trickle})));
      }
      if (life >= 0) {
        timers[1] = vertx.setTimer(life, t -> {
          weClosed[0] = true;
          so.close();
        });
      }
    });
  }

  private static String firstLine(Buffer b) {
    String s = b.getString(0, Math.min(b.length(), 200), "ISO-8859-1");
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).trim();
  }

  /** Stops renewing; the connections close with the Vert.x instance. */
  void stop() {
    stopped = true;
  }

  /** Like {@code stallers: 812 connects, 3 refused, 40 closed by the peer, 0 answered}. */
  String tally() {
    return name + ": " + connects.get() + " connects (peak " + peakOpen.get() + " open), " + connectFailures.get()
        + " failed, " + closedByPeer.get() + " closed by the peer, " + answered.get() + " answered";
  }
}
