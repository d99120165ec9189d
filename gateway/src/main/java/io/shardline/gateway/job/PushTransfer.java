package io.shardline.gateway.job;

import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.push.PushOptions;
import io.shardline.engine.push.PushResult;
import io.shardline.engine.push.PushSession;
import io.shardline.engine.storage.LocalChunkSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's attempt that pushes a local file or folder to a node (a {@link PushSession}), plain or
 * with the sync flags. The node pulls what this side serves, so what this side sees live is what
 * it has sent ({@link PushSession#sentBytes()}, counted as the attempt's moved bytes) against the
 * size of the local tree; the node's own summary, at the end, says what it fetched, reused and
 * verified, and for a sync carries its log.
 */
final class PushTransfer implements Transfer {
  private final Vertx vertx;
  private final PushSession session;
  private final Path local;
  private final TransferCounters counters = new TransferCounters();
  private long lastSent;
  private long lastChunks;

  PushTransfer(Vertx vertx, PushOptions options) {
    this.vertx = vertx;
    this.local = options.local();
    this.session = new PushSession(vertx, options);
  }

  @Override
  public Future<Outcome> run() {
    return vertx.executeBlocking(() -> measure(local), false)
        .compose(size -> {
          counters.bytesTotal = size[0];
          counters.filesTotal = (int) size[1];
          return session.run();
        })
        .map(PushTransfer::outcome);
  }

  /** The node's summary as the job records it: its statistics, digests, errors and (a sync's) log. */
  static Outcome outcome(PushResult r) {
    JsonObject node = r.node();
    Map<String, String> digests = new LinkedHashMap<>();
    JsonObject d = node.getJsonObject("digests", new JsonObject());
    d.forEach(e -> digests.put(e.getKey(), String.valueOf(e.getValue())));
    return Outcome.of(AttemptStats.of(node, r.seconds()), digests, r.verified(), r.errors(),
        SyncLogs.forJournal(node.getJsonObject("sync")));
  }

  /**
   * Bytes and regular files a push of {@code p} serves: the file, or the folder's files (no
   * symlinks followed, no {@code .shardline} state folders); 0 when it does not exist (the push
   * then fails saying so).
   */
  static long[] measure(Path p) throws IOException {
    long[] size = new long[2];
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return size;
    }
    Files.walkFileTree(p, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return dir.getFileName() != null && dir.getFileName().toString().equals(LocalChunkSink.STATE_DIR)
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          size[0] += attrs.size();
          size[1]++;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE; // the push names what it cannot read
      }
    });
    return size;
  }

  @Override
  public void cancel(String reason) {
    session.cancel();
  }

  @Override
  public void rateLimit(long bytesPerSecond) {
    // a push's rate is its serving side's, fixed when it starts: the next attempt takes the new one
  }

  /** The counters, brought up to date with what the session has sent (the runner samples them). */
  @Override
  public synchronized TransferCounters counters() {
    long sent = session.sentBytes();
    long chunks = session.sentChunks();
    counters.bytesDone.add(sent - lastSent);
    counters.chunks.add(chunks - lastChunks);
    lastSent = sent;
    lastChunks = chunks;
    return counters;
  }
}
