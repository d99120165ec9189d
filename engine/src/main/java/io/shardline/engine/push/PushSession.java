package io.shardline.engine.push;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.lane.Backoff;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.storage.LocalChunkSource;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A push (v7), on the pushing side: the local file or folder served on connections this side
 * opens to the node, which pulls it. The control connection sends PUSH (the push token, the
 * remote folder, the pull's terms); each DIAL the node answers with is a new connection that
 * sends JOIN and then serves, as any server lane, a {@link LocalChunkSource} over what is pushed
 * (for one file, narrowed to it by {@link OneFileSource}). The push ends with the node's PUSH_DONE
 * summary. A node lost before that (restarting) is connected again with backoff, within the
 * progress timeout; the node then resumes from what it had verified.
 */
public final class PushSession {
  private static final Logger LOG = LoggerFactory.getLogger(PushSession.class);

  private final Vertx vertx;
  private final PushOptions o;
  private final List<Context> loops = new ArrayList<>();
  private final AtomicInteger nextLoop = new AtomicInteger();
  private volatile ShardlineServer server;
  private NetClient client;
  private ClientConnection.Target target;
  private volatile FrameSocket control;
  private volatile boolean cancelled;

  public PushSession(Vertx vertx, PushOptions options) {
    this.vertx = vertx;
    this.o = options.validate();
  }

  /** Stops the push: the node keeps what it verified for the next push. Any thread. */
  public void cancel() {
    cancelled = true;
    FrameSocket c = control;
    if (c != null) {
      c.context().runOnContext(v -> c.close());
    }
  }

  /** Chunks this side has sent so far (live, for progress; all attempts). */
  public long sentChunks() {
    ShardlineServer s = server;
    return s == null ? 0 : s.servedChunks();
  }

  /** Raw bytes of the chunks sent so far (live, for progress; all attempts). */
  public long sentBytes() {
    ShardlineServer s = server;
    return s == null ? 0 : s.servedBytes();
  }

  public Future<PushResult> run() {
    long started = System.nanoTime();
    return vertx.executeBlocking(this::prepare, false)
        .compose(what -> server.startWithoutListener().map(what))
        .compose(what -> attempt(what, 1, started, System.nanoTime()))
        .eventually(this::close);
  }

  /** What is served: the folder, or one file's folder narrowed to it; the PUSH's source path. */
  private record Served(Path root, String source) {}

  private Served prepare() throws Exception {
    Path local = o.local().toAbsolutePath().normalize();
    if (!Files.exists(local)) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, local + " does not exist; nothing was pushed");
    }
    Path real = local.toRealPath();
    Served what;
    if (Files.isDirectory(real)) {
      what = new Served(real, "");
    } else if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      what = new Served(real.getParent(), real.getFileName().toString());
    } else {
      throw new ShardlineException(ErrorCode.BAD_PATH, local + " is neither a regular file nor a folder");
    }
    ChunkSource folder = new LocalChunkSource(what.root(), new ManifestCache(o.stateDir() == null ? null : o.stateDir().resolve("manifests")), ServeOptions.DEFAULT_MAX_FILES);
    ChunkSource source = what.source().isEmpty() ? folder : new OneFileSource(folder, what.source());
    // No token on the served side: it serves only on connections it opened itself, to the node it trusts.
    server = new ShardlineServer(vertx, new ServeOptions().root(what.root()).rateLimit(o.rateLimit()), source);
    PinningTrustManager pinning = o.trust() instanceof Trust.Pinned p ? new PinningTrustManager(p.fingerprint()) : null;
    NetClientOptions tls = TlsSupport.client(o.trust(), pinning, o.connectTimeoutMs(), o.clientCert(), o.clientKey());
    client = vertx.createNetClient(o.plaintextForTestsOnly() ? tls.setSsl(false) : tls);
    target = new ClientConnection.Target(o.target().host(), o.target().port(), "", Protocol.MAX_CONTROL_FRAME,
        o.connectTimeoutMs(), pinning);
    for (int i = 0; i < Math.max(2, o.lanes() + 1); i++) {
      loops.add(((VertxInternal) vertx).createEventLoopContext());
    }
    return what;
  }

  /** One connection to the node and its push; a lost node is tried again within the progress timeout. */
  private Future<PushResult> attempt(Served what, int n, long started, long since) {
    return once(what)
        .map(done -> new PushResult(done, n, (System.nanoTime() - started) / 1e9, server.servedChunks()))
        .recover(t -> {
          ShardlineException e = ShardlineException.wrap(t, ErrorCode.CONNECTION_LOST);
          long delay = Backoff.DEFAULT.delayMs(n, ThreadLocalRandom.current().nextDouble());
          long waited = (System.nanoTime() - since) / 1_000_000;
          if (cancelled || !e.retryable() || waited + delay > o.progressTimeoutMs()) {
            return Future.failedFuture(e);
          }
          LOG.warn("push to {}: {}; trying again in {} ms", o.target(), e.getMessage(), delay);
          Promise<PushResult> later = Promise.promise();
          vertx.setTimer(delay, id -> attempt(what, n + 1, started, since).onComplete(later));
          return later.future();
        });
  }

  /** The control connection: PUSH, then DIALs served until PUSH_DONE (the node's summary) or an error. */
  private Future<JsonObject> once(Served what) {
    Promise<JsonObject> done = Promise.promise();
    Context ctx = loops.get(0);
    ctx.runOnContext(v -> client.connect(o.target().port(), o.target().host())
        .recover(e -> Future.failedFuture(ClientConnection.classify(e, target)))
        .onFailure(done::tryFail)
        .onSuccess(so -> {
          long[] session = new long[2];
          boolean[] accepted = {false};
          FrameSocket fs = new FrameSocket(so, Protocol.MAX_CONTROL_FRAME, msg -> {
            if (msg instanceof Frame.PushAccept a) {
              accepted[0] = true;
              session[0] = a.sessionHigh();
              session[1] = a.sessionLow();
            } else if (msg instanceof Frame.Dial d && accepted[0]) {
              dial(session[0], session[1], d.ticket());
            } else if (msg instanceof Frame.PushDone d && accepted[0]) {
              try {
                done.tryComplete(new JsonObject(d.result()));
              } catch (RuntimeException e) {
                done.tryFail(new ShardlineException(ErrorCode.MALFORMED_FRAME, "the node's summary is not JSON"));
              }
            } else if (msg instanceof Frame.Error e) {
              done.tryFail(new ShardlineException(e.code(), "the node refused the push: " + e.message()));
            } else if (msg instanceof ShardlineException e) {
              done.tryFail(e);
            } else {
              if (msg instanceof Frame.Data d) {
                d.release();
              }
              done.tryFail(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "unexpected " + msg + " from the node"));
            }
          });
          control = fs;
          fs.closeHandler(x -> done.tryFail(new ShardlineException(ErrorCode.CONNECTION_LOST,
              "the node closed the push's connection before it was done")));
          long timer = vertx.setTimer(o.connectTimeoutMs(), id -> {
            if (!accepted[0]) {
              done.tryFail(new ShardlineException(ErrorCode.HANDSHAKE_TIMEOUT, "the node did not accept the push within "
                  + o.connectTimeoutMs() + " ms"));
            }
          });
          done.future().onComplete(ar -> {
            vertx.cancelTimer(timer);
            fs.close();
          });
          fs.send(new Frame.Push(Protocol.VERSION, o.token(), o.target().path(), what.source(), o.lanes(),
              o.chunkSize(), o.compression().mask().toWire(), flags()));
          if (cancelled) {
            fs.close();
          }
        }));
    return done.future();
  }

  private int flags() {
    return (o.verifyHashes() ? Frame.Push.VERIFY_HASHES : 0) | (o.sync() ? Frame.Push.SYNC : 0)
        | (o.delete() ? Frame.Push.DELETE : 0) | (o.dryRun() ? Frame.Push.DRY_RUN : 0);
  }

  /** A connection the node asked for: JOIN, then served as any lane. */
  private void dial(long high, long low, int ticket) {
    Context ctx = loops.get(1 + Math.floorMod(nextLoop.getAndIncrement(), loops.size() - 1));
    ctx.runOnContext(v -> client.connect(o.target().port(), o.target().host())
        .onFailure(e -> LOG.debug("a connection the node asked for failed: {}", e.toString()))
        .onSuccess(so -> {
          FrameSocket fs = new FrameSocket(so, Protocol.MAX_CLIENT_FRAME, msg -> {
            if (msg instanceof Frame.Data d) {
              d.release();
            }
          });
          fs.send(new Frame.Join(Protocol.VERSION, high, low, ticket));
          server.serveOn(fs);
        }));
  }

  private Future<Void> close() {
    Future<Void> c = client == null ? Future.succeededFuture() : client.close();
    return c.transform(x -> server == null ? Future.succeededFuture() : server.stop());
  }
}
