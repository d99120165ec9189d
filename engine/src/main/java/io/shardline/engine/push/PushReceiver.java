package io.shardline.engine.push;

import io.shardline.engine.codec.CodecMask;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.server.PushAcceptor;
import io.shardline.engine.storage.SafePath;
import io.shardline.engine.sync.PullSync;
import io.shardline.engine.sync.SyncLog;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.Compression;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullSession;
import io.shardline.engine.transfer.ShardlineUrl;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes pushes into a node's served tree (v7, {@code serve --accept-push}): each push is a pull
 * this node runs from its pusher, over connections the pusher opens ({@link DialBack}), into a
 * folder of the served tree ({@link ConfinedDestination}). So a push has what a pull has: lanes,
 * codecs, every chunk checked, resume from the partial files' journals after either side was
 * killed, delta (the folder's older files lend their chunks), and an atomic publish: readers of
 * the tree never see a partial file (it lives under {@code .shardline/} until verified and renamed
 * into place), and a pull that was reading the file replaced keeps its old version (its open
 * handle). The push ends with PUSH_DONE carrying the pull's summary; when the pusher goes away
 * the pull stops and keeps what it verified for the next push.
 */
public final class PushReceiver implements PushAcceptor {
  private static final Logger LOG = LoggerFactory.getLogger(PushReceiver.class);
  /** Pushes running at once; more get BUSY. */
  public static final int MAX_PUSHES = 8;
  /** The most lanes a push may ask for. */
  public static final int MAX_LANES = 32;

  private record Id(long high, long low) {}

  private final Vertx vertx;
  private final Path realRoot;
  private final SecureRandom random = new SecureRandom();
  private final Map<Id, DialBack> sessions = new ConcurrentHashMap<>();

  /** @param root the served root (a local folder) the pushes write under */
  public PushReceiver(Vertx vertx, Path root) throws IOException {
    this.vertx = vertx;
    this.realRoot = root.toRealPath();
  }

  /** Pushes running now. */
  public int running() {
    return sessions.size();
  }

  @Override
  public void push(Frame.Push p, FrameSocket control, List<Context> loops) {
    PullOptions options;
    String rel;
    try {
      rel = SafePath.normalize(p.path());
      options = options(p);
    } catch (ShardlineException e) {
      LOG.warn("refused a push from {}: {}", control.remoteAddress(), e.getMessage());
      control.fail(e);
      return;
    } catch (IllegalArgumentException e) {
      control.fail(new ShardlineException(ErrorCode.BAD_REQUEST, e.getMessage()));
      return;
    }
    if (sessions.size() >= MAX_PUSHES) {
      control.fail(new ShardlineException(ErrorCode.BUSY, "this node runs " + MAX_PUSHES + " pushes already"));
      return;
    }
    Id id = new Id(random.nextLong(), random.nextLong());
    DialBack dials = new DialBack(vertx, control, loops, options.connectTimeoutMs());
    sessions.put(id, dials);
    boolean dryRun = (p.flags() & Frame.Push.SYNC) != 0 && (p.flags() & Frame.Push.DRY_RUN) != 0;
    vertx.<Path>executeBlocking(() -> ConfinedDestination.folder(realRoot, rel, !dryRun), false)
        .onFailure(t -> {
          sessions.remove(id);
          ShardlineException e = ShardlineException.wrap(t, ErrorCode.DESTINATION_ERROR);
          LOG.warn("refused a push from {} into /{}: {}", control.remoteAddress(), rel, e.getMessage());
          control.fail(e);
        })
        .onSuccess(folder -> run(id, dials, control, options.sinks(new ConfinedDestination(realRoot, folder))
            .destination(folder).connector(dials), rel, p.flags()));
  }

  private void run(Id id, DialBack dials, FrameSocket control, PullOptions options, String rel, int flags) {
    if ((flags & Frame.Push.SYNC) != 0) {
      sync(id, dials, control, options, rel, flags);
      return;
    }
    PullSession session;
    try {
      session = new PullSession(vertx, options);
    } catch (IllegalArgumentException e) {
      sessions.remove(id);
      control.fail(new ShardlineException(ErrorCode.BAD_REQUEST, e.getMessage()));
      return;
    }
    if (!hold(id, dials, control, session::cancel)) {
      return;
    }
    LOG.info("push from {} into /{}: {} lanes", control.remoteAddress(), rel, options.lanes());
    control.send(new Frame.PushAccept(id.high(), id.low()));
    session.run().onComplete(ar -> {
      sessions.remove(id);
      dials.close(new ShardlineException(ErrorCode.CANCELLED, "the push is over"));
      control.context().runOnContext(v -> {
        if (ar.failed()) {
          control.fail(ShardlineException.wrap(ar.cause(), ErrorCode.INTERNAL));
          return;
        }
        LOG.info("push into /{} done: {} files, {} bytes received, {} reused, verified {}", rel,
            ar.result().files(), ar.result().bytes(), ar.result().reusedBytes(), ar.result().verified());
        control.send(new Frame.PushDone(ar.result().toJson())).eventually(control::close);
      });
    });
  }

  /**
   * Takes the control connection for the push: when it closes (the pusher went away), its
   * connection requests fail for good and {@code stop} is told why; nothing but an ERROR is
   * expected on it, which ends the push. False when the pusher has gone already.
   */
  private boolean hold(Id id, DialBack dials, FrameSocket control, java.util.function.Consumer<String> stop) {
    ShardlineException gone = new ShardlineException(ErrorCode.CANCELLED, "the pusher closed its connection");
    if (control.isClosed()) {
      sessions.remove(id);
      dials.close(gone);
      return false;
    }
    control.closeHandler(v -> {
      dials.close(gone);
      stop.accept(gone.getMessage());
    });
    control.takeOver(msg -> {
      if (msg instanceof Frame.Data d) {
        d.release();
      }
      if (msg instanceof Frame.Error || msg instanceof ShardlineException) {
        control.close();
      }
    }, Protocol.MAX_CLIENT_FRAME);
    return true;
  }

  /**
   * A push's sync (PUSH with SYNC): the folder compared with the pusher's listing, then (unless a
   * dry run) the pull and, with DELETE and only once every file verified, the folder's files the
   * push did not list removed; PUSH_DONE carries the sync log (paths as the pusher names them).
   */
  private void sync(Id id, DialBack dials, FrameSocket control, PullOptions options, String rel, int flags) {
    if (!hold(id, dials, control, why -> {})) {
      return;
    }
    LOG.info("sync push from {} into /{}{}{}", control.remoteAddress(), rel,
        (flags & Frame.Push.DELETE) != 0 ? ", deleting extras" : "", (flags & Frame.Push.DRY_RUN) != 0 ? ", dry run" : "");
    control.send(new Frame.PushAccept(id.high(), id.low()));
    vertx.executeBlocking(() -> new PullSync(vertx, options, (flags & Frame.Push.DELETE) != 0,
            (flags & Frame.Push.DRY_RUN) != 0, PullSync.Progress.NONE).run(), false)
        .onComplete(ar -> {
          sessions.remove(id);
          dials.close(new ShardlineException(ErrorCode.CANCELLED, "the push is over"));
          control.context().runOnContext(v -> {
            if (ar.failed()) {
              Throwable t = ar.cause();
              control.fail(t instanceof IllegalArgumentException ? new ShardlineException(ErrorCode.BAD_REQUEST,
                  t.getMessage()) : ShardlineException.wrap(t, ErrorCode.INTERNAL));
              return;
            }
            SyncLog log = ar.result();
            JsonObject json = log.toJson().put("direction", "push").put("destination", "/" + rel);
            JsonObject done = new JsonObject().put("verified", log.ok()).put("sync", json);
            if (log.pull() != null) {
              JsonObject pull = new JsonObject(log.pull().toJson());
              pull.fieldNames().forEach(f -> done.put(f, pull.getValue(f)));
              done.put("verified", log.ok());
            }
            done.put("errors", new JsonArray(log.allErrors()));
            control.send(new Frame.PushDone(done.encode())).eventually(control::close);
          });
        });
  }

  @Override
  public void join(Frame.Join join, FrameSocket connection) {
    DialBack dials = sessions.get(new Id(join.sessionHigh(), join.sessionLow()));
    if (dials == null) {
      connection.fail(new ShardlineException(ErrorCode.AUTH_FAILED, "no such push session (over, or never begun)"));
      return;
    }
    dials.arrived(join, connection);
  }

  /** The pull a PUSH asks for; {@code BAD_REQUEST} for what is out of range. */
  private static PullOptions options(Frame.Push p) {
    if (p.lanes() < 1 || p.lanes() > MAX_LANES) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "a push takes 1.." + MAX_LANES + " lanes, asked " + p.lanes());
    }
    if (p.chunkSize() < Protocol.MIN_CHUNK || p.chunkSize() > Protocol.MAX_CHUNK) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "chunk size " + p.chunkSize() + " outside "
          + Protocol.MIN_CHUNK + ".." + Protocol.MAX_CHUNK);
    }
    Compression compression = null;
    for (Compression c : Compression.values()) {
      if (c.mask().toWire() == p.codecs()) {
        compression = c;
      }
    }
    if (compression == null) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "codec mask 0x" + Integer.toHexString(p.codecs())
          + " is none of auto, none, zstd, planes (" + CodecMask.fromWire(p.codecs()) + ")");
    }
    checkFlags(p);
    String source = SafePath.normalize(p.source());
    // The pusher's address only names it: every connection is one it opened (DialBack); it was
    // authenticated by TLS and the push token, so its serving side asks for no token and the
    // trust setting is never used.
    return new PullOptions()
        .source(new ShardlineUrl("pusher", ShardlineUrl.DEFAULT_PORT, source))
        .trust(new Trust.SystemCas())
        .lanes(p.lanes())
        .chunkSize(p.chunkSize())
        .compression(compression)
        .verifyHashes((p.flags() & Frame.Push.VERIFY_HASHES) != 0);
  }

  /** Flags that make no sense without a sync. */
  private static void checkFlags(Frame.Push p) {
    if ((p.flags() & Frame.Push.SYNC) == 0 && (p.flags() & (Frame.Push.DELETE | Frame.Push.DRY_RUN)) != 0) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "DELETE and DRY_RUN are flags of a sync push");
    }
  }
}
