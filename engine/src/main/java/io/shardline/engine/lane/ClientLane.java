package io.shardline.engine.lane;

import io.shardline.engine.wire.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.wire.ShardlineException;
import io.shardline.engine.rate.TokenBucket;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One TLS connection's life on the pulling side, pinned to one event-loop context:
 * {@code CONNECTING -> READY -> (lost) -> BACKOFF -> CONNECTING ... -> STOPPED}.
 *
 * <p>In READY the lane keeps up to {@code window} GETs outstanding, taking chunks from the shared
 * {@link ChunkScheduler}. Each DATA frame is verified and written on the disk worker pool; while
 * {@code diskBacklog} chunks wait for the disk the socket is paused, so TCP pushes back on the
 * server. Memory per lane is bounded by (window + diskBacklog) chunks. A lane that drops, or
 * has requests out and receives nothing for the stall timeout, puts its outstanding chunks back
 * for the other lanes and reconnects with exponential backoff and jitter.
 */
public final class ClientLane {
  /** Lane settings shared by all lanes of a transfer. */
  public record Settings(int window, int diskBacklog, int maxChunkAttempts, long stallTimeoutMs, Backoff backoff,
      int codecMask, TokenBucket rateLimit) {
    /** Settings without compression or a rate limit. */
    public Settings(int window, int diskBacklog, int maxChunkAttempts, long stallTimeoutMs, Backoff backoff) {
      this(window, diskBacklog, maxChunkAttempts, stallTimeoutMs, backoff,
          io.shardline.engine.wire.Protocol.bit(io.shardline.engine.wire.Protocol.CODEC_IDENTITY), null);
    }
  }

  private final int number;
  private final Context ctx;
  private final Vertx vertx;
  private final NetClient client;
  private ClientConnection.Target target;
  private final ChunkScheduler scheduler;
  private final WorkerExecutor disk;
  private final TransferCounters counters;
  private final Settings settings;
  private final Consumer<ShardlineException> fatal;

  private final Map<Integer, ChunkTask> inflight = new HashMap<>();
  private ClientConnection conn;
  private int nextRequestId = 1;
  private int writing;
  private boolean socketPaused;
  private boolean diskBehind;
  private boolean rateWait;
  private boolean pumping;
  private boolean stopped;
  private int failures;
  private long lastActivity;
  private long watchdog = -1;

  public ClientLane(int number, Context ctx, NetClient client, ClientConnection.Target target,
      ChunkScheduler scheduler, WorkerExecutor disk, TransferCounters counters, Settings settings,
      Consumer<ShardlineException> fatal) {
    this.number = number;
    this.ctx = ctx;
    this.vertx = ctx.owner();
    this.client = client;
    this.target = target;
    this.scheduler = scheduler;
    this.disk = disk;
    this.counters = counters;
    this.settings = settings;
    this.fatal = fatal;
  }

  public void start() {
    ctx.runOnContext(v -> {
      scheduler.onRequeue(() -> ctx.runOnContext(x -> pump()));
      long tick = Math.max(50, settings.stallTimeoutMs() / 4);
      watchdog = vertx.setPeriodic(tick, id -> checkStall());
      connect();
    });
  }

  /** Stops the lane: closes its connection; outstanding chunks go back to the scheduler. */
  public Future<Void> stop() {
    Promise<Void> p = Promise.promise();
    ctx.runOnContext(v -> {
      stopped = true;
      if (watchdog >= 0) {
        vertx.cancelTimer(watchdog);
      }
      lost(null);
      p.complete();
    });
    return p.future();
  }

  /**
   * Reconnects at once to {@code next} (the same server, other terms: a new per-lane rate).
   * Outstanding chunks go back to the scheduler without counting as retries or failures.
   */
  public void retarget(ClientConnection.Target next) {
    ctx.runOnContext(v -> {
      target = next;
      if (stopped || conn == null) {
        return; // the next connection uses the new target
      }
      scheduler.requeue(disconnect());
      connect();
    });
  }

  private void connect() {
    if (stopped) {
      return;
    }
    ClientConnection.open(vertx, client, target, number).onComplete(ar -> {
      if (stopped) {
        if (ar.succeeded()) {
          ar.result().socket().close();
        }
        return;
      }
      if (ar.failed()) {
        ShardlineException e = ShardlineException.wrap(ar.cause(), ErrorCode.CONNECTION_LOST);
        if (!e.retryable()) {
          fatal.accept(e);
          return;
        }
        counters.lastError.set("lane " + number + ": " + e.getMessage());
        reconnectLater();
        return;
      }
      conn = ar.result();
      failures = 0;
      counters.activeLanes.increment();
      conn.handler(this::onMessage);
      lastActivity = System.nanoTime();
      pump();
    });
  }

  private void reconnectLater() {
    failures++;
    counters.reconnects.increment();
    long delay = settings.backoff().delayMs(failures, ThreadLocalRandom.current().nextDouble());
    vertx.setTimer(delay, id -> connect());
  }

  private void onMessage(Object msg) {
    if (msg instanceof Frame.Data d) {
      data(d);
    } else if (msg instanceof Frame.Error e && e.requestId() != 0) {
      ChunkTask task = inflight.remove(e.requestId());
      if (task != null) {
        lastActivity = System.nanoTime();
        chunkFailed(task, new ShardlineException(e.code(), e.message()));
        pump();
      }
    } else if (msg instanceof Frame.Error e) {
      ShardlineException ex = new ShardlineException(e.code(), "server closed lane " + number + ": " + e.message());
      if (ex.retryable()) {
        lost(ex);
      } else {
        fatal.accept(ex);
      }
    } else if (msg instanceof ShardlineException e) {
      lost(e);
    } else {
      lost(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "unexpected frame " + msg + " on lane " + number));
    }
  }

  private void data(Frame.Data d) {
    ChunkTask task = inflight.remove(d.requestId());
    if (task == null || d.offset() != task.offset() || d.rawLength() != task.length()) {
      d.release();
      lost(new ShardlineException(ErrorCode.MALFORMED_FRAME, "DATA for request " + d.requestId()
          + " does not match any outstanding GET on lane " + number));
      return;
    }
    lastActivity = System.nanoTime();
    long wire = Protocol.PREFIX_BYTES + Protocol.DATA_HEADER_BYTES + d.payload().readableBytes();
    counters.wireBytes.add(wire);
    counters.codecChunks[d.codec()].increment();
    writing++;
    diskBehind = writing >= settings.diskBacklog();
    TokenBucket bucket = settings.rateLimit();
    if (bucket != null && !rateWait) {
      long waitNanos = bucket.take(System.nanoTime(), wire);
      if (waitNanos > 0) {
        // Over the rate: stop reading for as long as the bucket says; TCP slows the server.
        rateWait = true;
        vertx.setTimer(Math.max(1, waitNanos / 1_000_000), id -> {
          rateWait = false;
          lastActivity = System.nanoTime();
          updatePause();
        });
      }
    } else if (bucket != null) {
      bucket.take(System.nanoTime(), wire); // frames already read while pausing still count
    }
    updatePause();
    disk.executeBlocking(() -> {
      task.file().accept(task.index(), d.codec(), d.rawLength(), d.crc(), d.payload());
      return null;
    }, false).onComplete(ar -> stored(task, ar));
    pump();
  }

  /** Pauses the socket while the disk is behind or the rate limit says wait; resumes otherwise. */
  private void updatePause() {
    boolean want = diskBehind || rateWait;
    if (want == socketPaused || conn == null) {
      return;
    }
    socketPaused = want;
    if (want) {
      conn.socket().pause();
    } else {
      lastActivity = System.nanoTime();
      conn.socket().resume();
    }
  }

  private void stored(ChunkTask task, AsyncResult<Object> ar) {
    writing--;
    diskBehind = writing >= settings.diskBacklog();
    updatePause();
    if (ar.failed()) {
      chunkFailed(task, ShardlineException.wrap(ar.cause(), ErrorCode.DESTINATION_ERROR));
    }
    pump();
  }

  private void chunkFailed(ChunkTask task, ShardlineException e) {
    counters.lastError.set(task.file().manifest().name() + " chunk " + task.index() + ": " + e.getMessage());
    if (e.retryable() && task.attempts() + 1 < settings.maxChunkAttempts()) {
      counters.retriedChunks.increment();
      scheduler.requeue(List.of(task.retry()));
    } else {
      task.file().fail(e);
    }
  }

  /** Requests chunks until the window is full. Not re-entrant: a synchronously completed send cannot recurse. */
  private void pump() {
    if (pumping || conn == null || stopped) {
      return;
    }
    pumping = true;
    try {
      while (inflight.size() < settings.window()) {
        ChunkTask t = scheduler.poll();
        if (t == null) {
          break;
        }
        if (inflight.isEmpty()) {
          lastActivity = System.nanoTime();
        }
        int id = nextRequestId++;
        inflight.put(id, t);
        conn.socket().send(new Frame.Get(id, t.file().manifest().path(), t.offset(), t.length(), settings.codecMask()));
      }
    } finally {
      pumping = false;
    }
  }

  private void checkStall() {
    if (conn == null || inflight.isEmpty() || socketPaused) {
      return;
    }
    long idleMs = (System.nanoTime() - lastActivity) / 1_000_000;
    if (idleMs > settings.stallTimeoutMs()) {
      lost(new ShardlineException(ErrorCode.LANE_STALLED, "lane " + number + " received nothing for " + idleMs + " ms"));
    }
  }

  /** The connection is gone (or being stopped): requeue its chunks, reconnect unless stopped. */
  private void lost(ShardlineException why) {
    boolean hadConnection = conn != null;
    List<ChunkTask> back = disconnect(); // a lost lane is not the chunks' fault: no attempt is counted
    if (!back.isEmpty()) {
      if (!stopped) {
        counters.retriedChunks.add(back.size());
      }
      scheduler.requeue(back);
    }
    if (why != null) {
      counters.lastError.set(why.getMessage());
    }
    if (!stopped && hadConnection) {
      reconnectLater();
    }
  }

  /** Closes the connection, if any, and returns the chunks it had outstanding. */
  private List<ChunkTask> disconnect() {
    ClientConnection c = conn;
    conn = null;
    if (c != null) {
      counters.activeLanes.decrement();
      c.handler(null);
      c.socket().close();
    }
    socketPaused = false;
    List<ChunkTask> back = new ArrayList<>(inflight.values());
    inflight.clear();
    return back;
  }
}
