package io.shardline.engine.lane;

import io.shardline.engine.codec.CodecMask;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.rate.TokenBucket;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import io.shardline.engine.integrity.FileManifest;

/**
 * One TLS connection's life on the pulling side, pinned to one event-loop context, written as an
 * explicit state machine in the manner of WDT's {@code SenderThread}/{@code ReceiverThread}: every
 * move goes through {@link #transition}, which refuses a move the table does not list.
 *
 * <pre>
 * from        to          when
 * NEW         CONNECTING  start()
 * NEW         STOPPED     stop() before start()
 * CONNECTING  READY       TLS and HELLO/WELCOME done
 * CONNECTING  BACKOFF     the attempt failed, retryably
 * CONNECTING  FAILED      the attempt failed for good (bad token, pin mismatch, ...): reported as fatal
 * CONNECTING  STOPPED     stop(); a connection that completes later is closed
 * READY       BACKOFF     lost: dropped, stalled, a retryable server ERROR, a bad frame
 * READY       CONNECTING  retarget(): reconnect at once with new terms, no backoff
 *                         (a new rate share does not need this: laneRate() sends SETTINGS)
 * READY       FAILED      a non-retryable server ERROR: reported as fatal
 * READY       STOPPED     stop()
 * BACKOFF     CONNECTING  the backoff timer fired
 * BACKOFF     STOPPED     stop()
 * FAILED      STOPPED     stop()
 * STOPPED     -           terminal
 * </pre>
 *
 * <p>Only READY has a connection. Leaving READY closes it and puts its outstanding chunks back in
 * the shared {@link ChunkScheduler} for the other lanes (counted as retries only when lost, not on
 * retarget or stop, and never as a chunk's failed attempt). Reconnects after a loss wait with
 * exponential backoff and jitter.
 *
 * <p>In READY the lane keeps up to {@code window} GETs outstanding. Each DATA frame is verified and
 * written on the disk worker pool; a {@link FlowWindow} counts the chunks waiting for the disk and
 * holds for the rate limiter, and pauses the socket while {@code diskBacklog} chunks wait or the
 * rate limit says wait, so TCP pushes back on the server. The pause outlives a reconnect: a new
 * connection starts paused if the disk is still behind. Both counts weigh a chunk by its length
 * against its file's chunk size ({@link #weight}): a whole chunk weighs {@link #SLOTS}, a 64 KiB
 * file of a 4 MiB chunking 1, so a lane keeps up to 64 times as many small chunks in flight and
 * waiting for the disk (a small file's round trip and its publish are not paid one after another),
 * with the same bytes. Memory per lane is bounded by (window + diskBacklog) whole chunks. A READY
 * lane with requests out that receives nothing for the stall timeout while not paused is lost.
 */
public final class ClientLane {
  /** What a whole chunk weighs in the window and the disk backlog; a chunk of 1/64 of it or less weighs 1. */
  static final int SLOTS = 64;

  /** Lane settings shared by all lanes of a transfer. */
  public record Settings(int window, int diskBacklog, int maxChunkAttempts, long stallTimeoutMs, Backoff backoff,
      CodecMask codecMask, TokenBucket rateLimit) {
    /** Settings without compression or a rate limit. */
    public Settings(int window, int diskBacklog, int maxChunkAttempts, long stallTimeoutMs, Backoff backoff) {
      this(window, diskBacklog, maxChunkAttempts, stallTimeoutMs, backoff,
          CodecMask.of(CodecId.IDENTITY), null);
    }
  }

  /** A lane's life; see the class comment for the moves between states. */
  public enum State {
    /** Made, not started. */
    NEW,
    /** TCP, TLS and HELLO/WELCOME under way; no connection yet. */
    CONNECTING,
    /** Connected: requesting and receiving chunks. */
    READY,
    /** Lost its connection; waiting out the backoff delay before it connects again. */
    BACKOFF,
    /** Hit a non-retryable error, reported to the transfer; waits to be stopped. */
    FAILED,
    /** Stopped for good. */
    STOPPED;

    /** Whether the table allows moving from this state to {@code to}. */
    public boolean canMoveTo(State to) {
      return switch (this) {
        case NEW -> to == CONNECTING || to == STOPPED;
        case CONNECTING -> to == READY || to == BACKOFF || to == FAILED || to == STOPPED;
        case READY -> to == BACKOFF || to == CONNECTING || to == FAILED || to == STOPPED;
        case BACKOFF -> to == CONNECTING || to == STOPPED;
        case FAILED -> to == STOPPED;
        case STOPPED -> false;
      };
    }

    /** {@code to}, if the table allows the move; otherwise an IllegalStateException naming both ends. */
    static State checkedMove(State from, State to, String why) {
      if (!from.canMoveTo(to)) {
        throw new IllegalStateException("illegal lane transition " + from + " -> " + to + " (" + why + ")");
      }
      return to;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ClientLane.class);

  private final int number;
  private final Context ctx;
  private final Vertx vertx;
  private final Connector connector;
  private ClientConnection.Target target;
  private final ChunkScheduler scheduler;
  private final WorkerExecutor disk;
  private final TransferCounters counters;
  private final Settings settings;
  private final Consumer<ShardlineException> fatal;
  private final Function<FileManifest, String> paths;
  private volatile long receivedChunks;
  private volatile long receivedWireBytes;

  private volatile State state = State.NEW;
  private final Map<Integer, ChunkTask> inflight = new HashMap<>();
  /** The {@link #weight}s of the chunks in {@link #inflight}. */
  private int inflightSlots;
  /** Chunks waiting for the disk, and the rate limiter's hold; drives the socket's pause. */
  private final FlowWindow intake;
  private final FlowWindow.Valve socketValve = new FlowWindow.Valve() {
    @Override public void pause() {
      conn.socket().pause();
    }

    @Override public void resume() {
      lastActivity = System.nanoTime();
      conn.socket().resume();
    }
  };
  /** The connection; non-null exactly in READY. */
  private ClientConnection conn;
  private int nextRequestId = 1;
  /** Re-entrancy guard for {@link #pump} (not a state: a send may complete synchronously). */
  private boolean pumping;
  private int failures;
  private long lastActivity;
  private long watchdog = -1;
  private long backoffTimer = -1;

  public ClientLane(int number, Context ctx, NetClient client, ClientConnection.Target target,
      ChunkScheduler scheduler, WorkerExecutor disk, TransferCounters counters, Settings settings,
      Consumer<ShardlineException> fatal) {
    this(number, ctx, client, target, scheduler, disk, counters, settings, fatal, FileManifest::path);
  }

  /**
   * @param paths the path to ask this lane's server for a file by (its path in that server's own
   *     listing: sources of one pull may serve the same content under other paths, as a relay does)
   */
  public ClientLane(int number, Context ctx, NetClient client, ClientConnection.Target target,
      ChunkScheduler scheduler, WorkerExecutor disk, TransferCounters counters, Settings settings,
      Consumer<ShardlineException> fatal, Function<FileManifest, String> paths) {
    this(number, ctx, Connector.tcp(ctx.owner(), client), target, scheduler, disk, counters, settings, fatal, paths);
  }

  /** @param connector how the lane's connections are opened (on {@code ctx}) */
  public ClientLane(int number, Context ctx, Connector connector, ClientConnection.Target target,
      ChunkScheduler scheduler, WorkerExecutor disk, TransferCounters counters, Settings settings,
      Consumer<ShardlineException> fatal, Function<FileManifest, String> paths) {
    this.paths = paths;
    this.number = number;
    this.ctx = ctx;
    this.vertx = ctx.owner();
    this.connector = connector;
    this.target = target;
    this.scheduler = scheduler;
    this.disk = disk;
    this.counters = counters;
    this.settings = settings;
    this.fatal = fatal;
    this.intake = FlowWindow.noHysteresis(settings.diskBacklog() * SLOTS);
  }

  /**
   * A chunk's weight in the window and the disk backlog: {@link #SLOTS} for a whole chunk, in
   * proportion for a shorter one (a file's last chunk, a small file), at least 1. Pure.
   */
  static int weight(ChunkTask t) {
    long chunk = Math.max(1, t.file().manifest().chunkSize());
    return (int) Math.max(1, Math.min(SLOTS, ((long) t.length() * SLOTS + chunk - 1) / chunk));
  }

  /** The lane's number (1-based, sent in HELLO). */
  public int number() {
    return number;
  }

  /** DATA frames this lane received (written on its event loop, read by anyone). */
  public long receivedChunks() {
    return receivedChunks;
  }

  /** Wire bytes of the DATA frames this lane received. */
  public long receivedWireBytes() {
    return receivedWireBytes;
  }

  /** The lane's state now (read on any thread; it changes on the lane's context). */
  public State state() {
    return state;
  }

  public void start() {
    ctx.runOnContext(v -> {
      if (state != State.NEW) {
        return; // stopped before it started
      }
      scheduler.onRequeue(() -> ctx.runOnContext(x -> pump()));
      long tick = Math.max(50, settings.stallTimeoutMs() / 4);
      watchdog = vertx.setPeriodic(tick, id -> checkStall());
      connect("start");
    });
  }

  /** Stops the lane: closes its connection; outstanding chunks go back to the scheduler. */
  public Future<Void> stop() {
    Promise<Void> p = Promise.promise();
    ctx.runOnContext(v -> {
      if (state != State.STOPPED) {
        if (watchdog >= 0) {
          vertx.cancelTimer(watchdog);
        }
        if (backoffTimer >= 0) {
          vertx.cancelTimer(backoffTimer);
        }
        List<ChunkTask> back = disconnect();
        transition(State.STOPPED, "stop");
        scheduler.requeue(back);
      }
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
      if (state != State.READY) {
        return; // the next connection uses the new target
      }
      List<ChunkTask> back = disconnect();
      connect("retarget");
      scheduler.requeue(back);
    });
  }

  /**
   * Changes this lane's share of the rate limit (bytes/s, 0 = none) without reconnecting: a READY
   * lane sends SETTINGS LANE_RATE (v3) and keeps its chunks in flight; any other lane carries the
   * new share in its next HELLO (a lane whose HELLO already went out sends SETTINGS on WELCOME).
   */
  public void laneRate(ClientConnection.Target next) {
    ctx.runOnContext(v -> {
      target = next;
      if (state == State.READY) {
        sendLaneRate();
      }
    });
  }

  private void sendLaneRate() {
    conn.socket().send(new Frame.Settings(List.of(new Frame.Settings.Setting(Frame.Settings.LANE_RATE,
        target.laneRate()))));
  }

  /** The one place the state changes: checks the move against the table. */
  private void transition(State to, String why) {
    State from = state;
    state = State.checkedMove(from, to, why);
    if (from == State.READY) {
      counters.activeLanes.decrement();
    } else if (to == State.READY) {
      counters.activeLanes.increment();
    }
    LOG.debug("lane {}: {} -> {} ({})", number, from, to, why);
  }

  private void connect(String why) {
    transition(State.CONNECTING, why);
    long helloRate = target.laneRate();
    connector.open(target, number).onComplete(ar -> {
      if (state != State.CONNECTING) { // stopped meanwhile
        if (ar.succeeded()) {
          ar.result().socket().close();
        }
        return;
      }
      if (ar.failed()) {
        ShardlineException e = ShardlineException.wrap(ar.cause(), ErrorCode.CONNECTION_LOST);
        if (!e.retryable()) {
          transition(State.FAILED, e.code().name());
          fatal.accept(e);
          return;
        }
        counters.lastError.set("lane " + number + ": " + e.getMessage());
        reconnectLater(e.code().name());
        return;
      }
      conn = ar.result();
      failures = 0;
      transition(State.READY, "welcome");
      counters.connections.increment();
      if (target.laneRate() != helloRate) {
        sendLaneRate(); // the share changed while this lane was connecting
      }
      conn.handler(this::onMessage);
      lastActivity = System.nanoTime();
      intake.attach(socketValve);
      pump();
    });
  }

  private void reconnectLater(String why) {
    transition(State.BACKOFF, why);
    failures++;
    counters.reconnects.increment();
    long delay = settings.backoff().delayMs(failures, ThreadLocalRandom.current().nextDouble());
    backoffTimer = vertx.setTimer(delay, id -> {
      backoffTimer = -1;
      if (state == State.BACKOFF) {
        connect("backoff over");
      }
    });
  }

  private void onMessage(Object msg) {
    if (msg instanceof Frame.Data d) {
      data(d);
    } else if (msg instanceof Frame.Error e && e.requestId() != 0) {
      ChunkTask task = answered(e.requestId());
      if (task != null) {
        lastActivity = System.nanoTime();
        if (e.code() == ErrorCode.NOT_YET) {
          counters.notYet.increment(); // a relay has not received it yet: everything else first
          scheduler.later(task);
        } else {
          chunkFailed(task, new ShardlineException(e.code(), e.message()));
        }
        pump();
      }
    } else if (msg instanceof Frame.Error e) {
      ShardlineException ex = new ShardlineException(e.code(), "server closed lane " + number + ": " + e.message());
      if (ex.retryable()) {
        lost(ex);
      } else {
        failed(ex);
      }
    } else if (msg instanceof ShardlineException e) {
      lost(e);
    } else {
      lost(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "unexpected frame " + msg + " on lane " + number));
    }
  }

  /** The outstanding request {@code requestId}, no longer outstanding; null if there is none. */
  private ChunkTask answered(int requestId) {
    ChunkTask task = inflight.remove(requestId);
    if (task != null) {
      inflightSlots -= weight(task);
    }
    return task;
  }

  private void data(Frame.Data d) {
    ChunkTask task = answered(d.requestId());
    if (task == null || d.offset() != task.offset() || d.rawLength() != task.length()) {
      d.release();
      lost(new ShardlineException(ErrorCode.MALFORMED_FRAME, "DATA for request " + d.requestId()
          + " does not match any outstanding GET on lane " + number));
      return;
    }
    lastActivity = System.nanoTime();
    long wire = Protocol.PREFIX_BYTES + Protocol.DATA_HEADER_BYTES + d.payload().readableBytes();
    counters.wireBytes.add(wire);
    receivedChunks++;
    receivedWireBytes += wire;
    counters.dataArrived(System.nanoTime());
    counters.countChunk(d.codecId());
    int slots = weight(task);
    intake.acquire(slots); // pauses the socket once diskBacklog chunks' worth wait for the disk
    TokenBucket bucket = settings.rateLimit();
    if (bucket != null && !intake.held()) {
      long waitNanos = bucket.take(System.nanoTime(), wire);
      if (waitNanos > 0) {
        // Over the rate: stop reading for as long as the bucket says; TCP slows the server.
        intake.hold(true);
        vertx.setTimer(Math.max(1, waitNanos / 1_000_000), id -> {
          lastActivity = System.nanoTime();
          intake.hold(false);
        });
      }
    } else if (bucket != null) {
      bucket.take(System.nanoTime(), wire); // frames already read while pausing still count
    }
    disk.executeBlocking(() -> {
      task.file().accept(task.index(), d.codecId(), d.rawLength(), d.crc(), d.payload());
      return null;
    }, false).onComplete(ar -> stored(task, slots, ar));
    pump();
  }

  private void stored(ChunkTask task, int slots, AsyncResult<Object> ar) {
    intake.release(slots); // resumes the socket unless the rate limit still holds it
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
    if (pumping || state != State.READY) {
      return;
    }
    pumping = true;
    try {
      while (inflightSlots < settings.window() * SLOTS) {
        ChunkTask t = scheduler.poll();
        if (t == null) {
          break;
        }
        if (inflight.isEmpty()) {
          lastActivity = System.nanoTime();
        }
        int id = nextRequestId++;
        inflight.put(id, t);
        inflightSlots += weight(t);
        conn.socket().send(new Frame.Get(id, paths.apply(t.file().manifest()), t.offset(), t.length(), settings.codecMask(),
            t.file().manifest().versionTag()));
      }
    } finally {
      pumping = false;
    }
  }

  private void checkStall() {
    if (state != State.READY || inflight.isEmpty() || intake.paused()) {
      return;
    }
    long idleMs = (System.nanoTime() - lastActivity) / 1_000_000;
    if (idleMs > settings.stallTimeoutMs()) {
      lost(new ShardlineException(ErrorCode.LANE_STALLED, "lane " + number + " received nothing for " + idleMs + " ms"));
    }
  }

  /** READY lost its connection: requeue its chunks (a lost lane is not their fault) and back off. */
  private void lost(ShardlineException why) {
    List<ChunkTask> back = disconnect();
    counters.lastError.set(why.getMessage());
    reconnectLater(why.code().name());
    counters.retriedChunks.add(back.size());
    scheduler.requeue(back);
  }

  /** READY met a non-retryable error: close, hand the chunks back, report it, wait to be stopped. */
  private void failed(ShardlineException why) {
    List<ChunkTask> back = disconnect();
    counters.lastError.set(why.getMessage());
    transition(State.FAILED, why.code().name());
    scheduler.requeue(back);
    fatal.accept(why);
  }

  /** Closes the connection, if any, and returns the chunks it had outstanding. */
  private List<ChunkTask> disconnect() {
    ClientConnection c = conn;
    conn = null;
    intake.attach(null);
    if (c != null) {
      c.handler(null);
      c.socket().close();
    }
    List<ChunkTask> back = new ArrayList<>(inflight.values());
    inflight.clear();
    inflightSlots = 0;
    return back;
  }
}
