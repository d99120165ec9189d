package io.shardline.engine.push;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.lane.Connector;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameSocket;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one push, on the server (v7): the server pulls, but the pusher opens every
 * connection. Each {@link #open} sends DIAL on the control connection; the pusher opens a
 * connection and sends JOIN on it; it arrives on whichever event loop this node's listener gave
 * it, and goes to a waiting request of that loop (a lane's state belongs to its loop), else waits
 * unused for one (closed after {@link #IDLE_MS}) while another DIAL is sent. Lanes are put on the
 * listener's loops ({@link #context()}), so every loop's connection has a taker. A request that
 * got no connection within the connect timeout, or after {@link #maxDials()} tries, fails
 * retryably (the lane reconnects later); once the pusher is gone every request fails for good.
 */
final class DialBack implements Connector {
  private static final Logger LOG = LoggerFactory.getLogger(DialBack.class);
  /** A dialled connection no request took is closed after this long. */
  static final long IDLE_MS = 10_000;

  private final Vertx vertx;
  private final FrameSocket control;
  private final List<Context> loops;
  private final long timeoutMs;
  private final Set<Integer> tickets = new HashSet<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final ArrayDeque<FrameSocket> idle = new ArrayDeque<>();
  private int nextTicket = 1;
  private int nextLoop;
  private ShardlineException gone;
  /** Connections the pusher opened for this push (joins accepted). */
  private long joined;

  private static final class Waiter {
    final ContextInternal ctx;
    final ClientConnection.Target target;
    final int lane;
    final Promise<ClientConnection> promise = Promise.promise();
    int dials;
    long timer = -1;

    Waiter(ContextInternal ctx, ClientConnection.Target target, int lane) {
      this.ctx = ctx;
      this.target = target;
      this.lane = lane;
    }
  }

  /** @param loops the contexts this node's connections arrive on (its listener's) */
  DialBack(Vertx vertx, FrameSocket control, List<Context> loops, long timeoutMs) {
    if (loops.isEmpty()) {
      throw new IllegalArgumentException("no listener loops");
    }
    this.vertx = vertx;
    this.control = control;
    this.loops = List.copyOf(loops);
    this.timeoutMs = timeoutMs;
  }

  @Override
  public synchronized Context context() {
    return loops.get(nextLoop++ % loops.size());
  }

  /** How many DIALs one request may cost before it fails: a loop's connection comes within a few. */
  int maxDials() {
    return 4 * loops.size() + 4;
  }

  @Override
  public Future<ClientConnection> open(ClientConnection.Target target, int lane) {
    ContextInternal ctx = (ContextInternal) Vertx.currentContext();
    if (ctx == null) {
      return Future.failedFuture(new IllegalStateException("DialBack.open needs a context"));
    }
    FrameSocket ready = null;
    Waiter w = null;
    synchronized (this) {
      if (gone != null) {
        return Future.failedFuture(gone);
      }
      for (Iterator<FrameSocket> it = idle.iterator(); it.hasNext(); ) {
        FrameSocket fs = it.next();
        if (sameLoop(fs.context(), ctx)) {
          it.remove();
          ready = fs;
          break;
        }
      }
      if (ready == null) {
        w = new Waiter(ctx, target, lane);
        waiters.add(w);
      }
    }
    if (ready != null) {
      return ClientConnection.over(vertx, ready, target, lane);
    }
    Waiter waiter = w;
    waiter.timer = vertx.setTimer(timeoutMs, id -> {
      synchronized (this) {
        if (!waiters.remove(waiter)) {
          return;
        }
      }
      waiter.promise.tryFail(new ShardlineException(ErrorCode.CONNECTION_LOST, "the pusher opened no connection within "
          + timeoutMs + " ms"));
    });
    dial(waiter);
    return waiter.promise.future();
  }

  /** Sends one DIAL (on the control connection's loop). */
  private void dial(Waiter w) {
    int ticket;
    synchronized (this) {
      w.dials++;
      ticket = nextTicket++;
      tickets.add(ticket);
    }
    control.context().runOnContext(v -> control.send(new Frame.Dial(ticket)));
  }

  /**
   * A JOIN on {@code fs} (on its context): a ticket this push issued goes to a request of its loop,
   * or waits unused; another is refused.
   */
  void arrived(Frame.Join join, FrameSocket fs) {
    Waiter match = null;
    Waiter redial = null;
    ShardlineException refuse = null;
    synchronized (this) {
      if (gone != null) {
        refuse = gone;
      } else if (!tickets.remove(join.ticket())) {
        refuse = new ShardlineException(ErrorCode.AUTH_FAILED, "JOIN with a ticket this push did not issue");
      } else {
        joined++;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
          Waiter w = it.next();
          if (sameLoop(fs.context(), w.ctx)) {
            it.remove();
            match = w;
            break;
          }
        }
        if (match == null) {
          idle.add(fs);
          if (!waiters.isEmpty()) {
            redial = waiters.get(0); // the oldest request: its DIAL brought a connection of another loop
          }
        }
      }
    }
    if (refuse != null) {
      fs.fail(refuse);
      return;
    }
    if (match != null) {
      Waiter w = match;
      vertx.cancelTimer(w.timer);
      ClientConnection.over(vertx, fs, w.target, w.lane).onComplete(w.promise);
      return;
    }
    vertx.setTimer(IDLE_MS, id -> {
      boolean unused;
      synchronized (this) {
        unused = idle.remove(fs);
      }
      if (unused) {
        fs.close();
      }
    });
    if (redial != null) {
      if (redial.dials >= maxDials()) {
        Waiter w = redial;
        synchronized (this) {
          waiters.remove(w);
        }
        vertx.cancelTimer(w.timer);
        w.promise.tryFail(new ShardlineException(ErrorCode.CONNECTION_LOST, "no connection of this event loop after "
            + w.dials + " dials"));
      } else {
        dial(redial);
      }
    }
  }

  /** The pusher went away (or the push ended): every request now and later fails with {@code why}. */
  void close(ShardlineException why) {
    List<Waiter> waiting;
    List<FrameSocket> unused;
    synchronized (this) {
      if (gone != null) {
        return;
      }
      gone = why;
      waiting = new ArrayList<>(waiters);
      waiters.clear();
      unused = new ArrayList<>(idle);
      idle.clear();
    }
    for (Waiter w : waiting) {
      vertx.cancelTimer(w.timer);
      w.promise.tryFail(why);
    }
    for (FrameSocket fs : unused) {
      fs.context().runOnContext(v -> fs.close());
    }
    LOG.debug("push connections closed ({} joined): {}", joined, why.getMessage());
  }

  synchronized long joined() {
    return joined;
  }

  private static boolean sameLoop(Context a, Context b) {
    return a instanceof ContextInternal x && b instanceof ContextInternal y && x.nettyEventLoop() == y.nettyEventLoop();
  }
}
