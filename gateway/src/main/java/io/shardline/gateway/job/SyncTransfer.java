package io.shardline.gateway.job;

import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.storage.FencedDestination;
import io.shardline.engine.sync.PullSync;
import io.shardline.engine.sync.SyncLog;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A job's attempt that mirrors a node's path into a local folder: a {@link PullSync} (list,
 * compare, pull, and with {@code delete} prune what the source does not list). It blocks, so it
 * runs on a worker pool of its own ({@value #POOL}), never on an event loop. Its pull's counters
 * are sampled as any pull's once it starts. Stopping it fences its destination: the pull stops at
 * once ({@link PullSync#cancel}; the fence catches a write already under way) and a pull that did
 * not verify every file deletes nothing; a rate change reaches the running pull live.
 */
final class SyncTransfer implements Transfer {
  /** The worker pool syncs run on (shared by name, one thread per running sync at most). */
  static final String POOL = "shardline-gateway-sync";

  private final Vertx vertx;
  private final PullOptions options;
  private final boolean delete;
  private final boolean dryRun;
  private final int threads;
  private volatile String stopped;
  private volatile PullSync sync;
  private volatile long rate = -1;
  private volatile TransferCounters counters = new TransferCounters();

  /**
   * @param options the pull's, its sinks already fenced by the job's lease; this attempt fences
   *     them once more, for {@link #cancel}
   * @param threads the pool's size (the gateway's running-job limit)
   */
  SyncTransfer(Vertx vertx, PullOptions options, boolean delete, boolean dryRun, int threads) {
    this.vertx = vertx;
    this.delete = delete;
    this.dryRun = dryRun;
    this.threads = Math.max(1, threads);
    this.options = options.sinks(new FencedDestination(options.sinks(), () -> stopped == null, () -> stopped));
  }

  @Override
  public Future<Outcome> run() {
    WorkerExecutor pool = vertx.createSharedWorkerExecutor(POOL, threads, 30, TimeUnit.DAYS);
    long start = System.nanoTime();
    PullSync.Progress progress = new PullSync.Progress() {
      @Override
      public void started(TransferCounters c) {
        counters = c;
      }

      @Override
      public void tick() {}

      @Override
      public void finished() {}
    };
    PullSync sync = new PullSync(vertx, options, delete, dryRun, progress);
    this.sync = sync;
    if (stopped != null) {
      sync.cancel(stopped);
    }
    if (rate >= 0) {
      sync.rateLimit(rate);
    }
    return pool.executeBlocking(sync::run, false)
        .map(log -> outcome(log, (System.nanoTime() - start) / 1e9))
        .eventually(pool::close);
  }

  /** The log as the job records it: the pull's statistics (none moved for a dry run), digests, errors and the log. */
  static Outcome outcome(SyncLog log, double seconds) {
    PullResult r = log.pull();
    JsonObject json = log.toJson();
    AttemptStats stats = r != null ? AttemptStats.of(r)
        : new AttemptStats(json.getJsonObject("totals").getInteger("files", 0), 0, 0, 0,
            Math.round(seconds * 1000) / 1000.0, 0, 0, 0, 0, false, 0);
    Map<String, String> digests = r != null ? r.digests() : Map.of();
    return Outcome.of(stats, digests, log.ok(), log.allErrors(), SyncLogs.forJournal(json));
  }

  @Override
  public void cancel(String reason) {
    stopped = reason;
    PullSync s = sync;
    if (s != null) {
      s.cancel(reason); // its pull stops at once; the fence stays for whatever was under way
    }
  }

  @Override
  public void rateLimit(long bytesPerSecond) {
    rate = bytesPerSecond;
    PullSync s = sync;
    if (s != null) {
      s.rateLimit(bytesPerSecond); // live, as a pull's
    }
  }

  @Override
  public TransferCounters counters() {
    return counters;
  }
}
