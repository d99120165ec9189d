package io.shardline.gateway.soak;

import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecMask;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An authenticated client lane (the engine's own {@link ClientConnection}: TLS, HELLO with the
 * token, WELCOME) that sends GET and LIST frames by hand: a probe that waits, bounded, for one
 * answer, or an attacker that asks for chunks and never reads them. Called from test threads;
 * everything on the connection runs on its own event-loop context. DATA payloads are released
 * as they arrive (also the ones a paused lane receives once it closes).
 */
final class RawLane {
  /** How a request ended. */
  enum Outcome { DATA, ERROR, LISTED, TIMEOUT, CLOSED }

  /** One request's answer: for ERROR, its code; for LISTED, the listed paths; for DATA, the bytes received. */
  record Answer(Outcome outcome, ErrorCode code, String detail, List<String> paths, long bytes) {
    Answer(Outcome outcome, String detail, List<String> paths, long bytes) {
      this(outcome, null, detail, paths, bytes);
    }

    /** An ERROR the client may retry (such as BUSY), as opposed to a refusal. */
    boolean retryableError() {
      return outcome == Outcome.ERROR && code != null && code.retryable();
    }

    @Override
    public String toString() {
      return outcome + (detail.isEmpty() ? "" : " " + detail) + (outcome == Outcome.LISTED ? " " + paths : "")
          + (outcome == Outcome.DATA ? " " + bytes + " bytes" : "");
    }
  }

  private static final class Pending {
    final CompletableFuture<Answer> answer = new CompletableFuture<>();
    final long expected;
    final List<String> paths = new ArrayList<>();
    long bytes;
    long timer;

    Pending(long expected) {
      this.expected = expected;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final ClientConnection connection;
  /** Touched on {@link #context} only. */
  private final Map<Integer, Pending> pending = new HashMap<>();
  private int nextRequest = 1;
  private volatile boolean closed;

  private RawLane(Vertx vertx, Context context, ClientConnection connection) {
    this.vertx = vertx;
    this.context = context;
    this.connection = connection;
  }

  /** Connects and shakes hands; the future fails when the server refuses (or the handshake fails). */
  static CompletableFuture<RawLane> open(Vertx vertx, NetClient client, ClientConnection.Target target) {
    Context ctx = ((VertxInternal) vertx).createEventLoopContext();
    CompletableFuture<RawLane> f = new CompletableFuture<>();
    ctx.runOnContext(v -> ClientConnection.open(vertx, client, target, 0).onComplete(ar -> {
      if (ar.failed()) {
        f.completeExceptionally(ar.cause());
        return;
      }
      RawLane lane = new RawLane(vertx, ctx, ar.result());
      ar.result().handler(lane::onMessage);
      f.complete(lane);
    }));
    return f;
  }

  boolean isClosed() {
    return closed;
  }

  /** Stops reading (TCP backpressure only), then asks for {@code count} chunks of {@code length} bytes of {@code path}. */
  void getAndNeverRead(String path, int length, int count) {
    context.runOnContext(v -> {
      connection.socket().pause();
      for (int i = 0; i < count; i++) {
        connection.socket().send(new Frame.Get(nextRequest++, path, (long) i * length, length,
            CodecMask.of(CodecId.IDENTITY)));
      }
    });
  }

  /** GET {@code length} bytes of {@code path} at 0: DATA once that many arrived, or ERROR, TIMEOUT, CLOSED. */
  CompletableFuture<Answer> get(String path, int length, long timeoutMs) {
    return request(id -> new Frame.Get(id, path, 0, length, CodecMask.of(CodecId.IDENTITY)), length, timeoutMs);
  }

  /** LIST {@code path} with 4 MiB chunks: LISTED with every entry's path, or ERROR, TIMEOUT, CLOSED. */
  CompletableFuture<Answer> list(String path, long timeoutMs) {
    return request(id -> new Frame.List(id, Protocol.DEFAULT_CHUNK, path), -1, timeoutMs);
  }

  private CompletableFuture<Answer> request(java.util.function.IntFunction<Frame> frame, long expected, long timeoutMs) {
    Pending p = new Pending(expected);
    context.runOnContext(v -> {
      if (closed) {
        p.answer.complete(new Answer(Outcome.CLOSED, "lane closed before the request", List.of(), 0));
        return;
      }
      int id = nextRequest++;
      pending.put(id, p);
      p.timer = vertx.setTimer(timeoutMs, t -> {
        pending.remove(id);
        p.answer.complete(new Answer(Outcome.TIMEOUT, "no answer within " + timeoutMs + " ms", List.copyOf(p.paths), p.bytes));
      });
      connection.socket().send(frame.apply(id));
    });
    return p.answer;
  }

  private void onMessage(Object msg) {
    if (msg instanceof Frame.Data d) {
      Pending p = pending.get(d.requestId());
      int raw = d.rawLength();
      d.release();
      if (p != null) {
        p.bytes += raw;
        if (p.bytes >= p.expected) {
          finish(d.requestId(), new Answer(Outcome.DATA, "", List.of(), p.bytes));
        }
      }
    } else if (msg instanceof Frame.Entry e) {
      Pending p = pending.get(e.requestId());
      if (p != null) {
        p.paths.add(e.file().path());
      }
    } else if (msg instanceof Frame.ListEnd end) {
      Pending p = pending.get(end.requestId());
      if (p != null) {
        finish(end.requestId(), new Answer(Outcome.LISTED, "", List.copyOf(p.paths), 0));
      }
    } else if (msg instanceof Frame.Error e) {
      String detail = e.code() + ": " + e.message();
      if (e.requestId() == 0) {
        finishAll(Outcome.ERROR, e.code(), detail);
      } else {
        finish(e.requestId(), new Answer(Outcome.ERROR, e.code(), detail, List.of(), 0));
      }
    } else if (msg instanceof ShardlineException e) {
      closed = true;
      finishAll(Outcome.CLOSED, null, e.getMessage());
    }
  }

  private void finish(int id, Answer a) {
    Pending p = pending.remove(id);
    if (p != null) {
      vertx.cancelTimer(p.timer);
      p.answer.complete(a);
    }
  }

  private void finishAll(Outcome outcome, ErrorCode code, String detail) {
    for (Integer id : List.copyOf(pending.keySet())) {
      finish(id, new Answer(outcome, code, detail, List.of(), 0));
    }
  }

  /** Closes the connection; waits (bounded) until that is done. */
  void close() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      closed = true;
      connection.socket().close().onComplete(ar -> done.complete(null));
    });
    try {
      done.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // a close that does not finish within 10 s is ended by vertx.close() at the end of the test
    }
  }
}
