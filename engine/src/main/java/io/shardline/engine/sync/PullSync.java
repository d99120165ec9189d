package io.shardline.engine.sync;

import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.storage.DestinationLock;
import io.shardline.engine.storage.LocalChunkSink;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.PullSession;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A sync from a node to a local tree (remote → local): list the source over one connection,
 * compare the destination with it ({@link LocalTree}, {@link SyncPlan}), and then, unless it is a
 * dry run, an ordinary {@link PullSession} (so delta reuse, resume, verification and atomic publish
 * all hold) and, with {@code delete}, only after every file was verified, the removal of the
 * destination's files the source does not list. Blocking: run it on a thread that may block.
 *
 * <p>A dry run opens one connection, lists, reads the destination's files of listed names, and
 * writes nothing (not even {@code .shardline/} state).
 */
public final class PullSync {
  /** Watches a running pull (a progress bar); called on the syncing thread. */
  public interface Progress {
    Progress NONE = new Progress() {
      @Override
      public void started(TransferCounters counters) {}

      @Override
      public void tick() {}

      @Override
      public void finished() {}
    };

    void started(TransferCounters counters);

    /** About every 250 ms while the pull runs. */
    void tick();

    void finished();
  }

  private final Vertx vertx;
  private final PullOptions o;
  private final boolean delete;
  private final boolean dryRun;
  private final Progress progress;
  /** The pull once it runs; for {@link #cancel} and {@link #rateLimit}. */
  private volatile PullSession session;
  private volatile String cancelled;
  private volatile long rate = -1;

  /** {@code o} as for a pull: its first source is listed, its destination is the local tree. */
  public PullSync(Vertx vertx, PullOptions o, boolean delete, boolean dryRun, Progress progress) {
    this.vertx = vertx;
    this.o = o.validate();
    this.delete = delete;
    this.dryRun = dryRun;
    this.progress = progress;
  }

  /**
   * Runs the sync and returns its log (failures included: a source that cannot be listed, a
   * failed pull). Throws {@link IllegalArgumentException} for a request refused before anything
   * is written (--delete with a source that is one file), {@link IOException} when the
   * destination cannot be read before the pull (after it, a failure to delete is in the log).
   */
  public SyncLog run() throws IOException, InterruptedException {
    Path dest = o.destination();
    String source = o.source().toString();
    List<FileManifest> listing;
    try {
      listing = SourceListing.fetch(vertx, o).toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return log(SyncPlan.of(List.of(), Map.of(), LocalTree.Scan.empty(), false), null,
          List.of("cannot list " + source + ": " + (c.getMessage() == null ? c.toString() : c.getMessage())));
    }
    if (delete && isOneFile(listing)) {
      throw new IllegalArgumentException("--delete mirrors a folder, and " + source + " is a file: without --delete"
          + " it lands as " + dest.resolve(listing.get(0).name()) + "; name its folder to mirror that");
    }
    LocalTree.Scan before = LocalTree.scan(dest);
    Map<String, SyncPlan.Held> held = LocalTree.held(dest, listing, before);
    SyncPlan plan = SyncPlan.of(listing, held, before, delete);
    if (dryRun) {
      return log(plan, null, List.of());
    }
    if (cancelled != null) {
      return log(plan.keepingEverything("the sync was stopped: " + cancelled), null, List.of("stopped: " + cancelled));
    }
    PullSession session = new PullSession(vertx, o);
    this.session = session;
    if (rate >= 0) {
      session.rateLimit(rate);
    }
    if (cancelled != null) {
      session.cancel(cancelled);
    }
    PullResult r = pull(session);
    if (!r.ok()) {
      SyncPlan kept = plan.published(r.digests());
      return log(delete ? kept.keepingEverything("the pull failed, so nothing was deleted") : kept, r, List.of());
    }
    if (cancelled != null && delete) {
      return log(plan.published(r.digests()).keepingEverything("the sync was stopped before its deletions"), r,
          List.of("stopped before deleting: " + cancelled));
    }
    // What was pulled is the pull's own listing (the source may have changed since ours).
    List<FileManifest> pulled = session.listing().result();
    List<String> errors = new ArrayList<>();
    SyncPlan after;
    try {
      after = delete ? deleteExtras(dest, pulled, held, errors) : SyncPlan.of(pulled, held, LocalTree.scan(dest), false);
    } catch (IOException | ShardlineException e) {
      errors.add((delete ? "nothing was deleted: " : "cannot read " + dest + " after the pull: ") + e.getMessage());
      after = delete ? plan.keepingEverything("the deletion could not start") : plan;
    }
    return log(after.published(r.digests()), r, errors);
  }

  /**
   * Stops the sync: a pull under way stops (what it verified stays journalled) and nothing is
   * deleted; before the pull, none starts. Any thread.
   */
  public void cancel(String reason) {
    cancelled = reason;
    PullSession s = session;
    if (s != null) {
      s.cancel(reason);
    }
  }

  /** Changes the pull's rate limit, live once it runs (bytes per second over all lanes, 0: none). Any thread. */
  public void rateLimit(long bytesPerSecond) {
    rate = bytesPerSecond;
    PullSession s = session;
    if (s != null) {
      s.rateLimit(bytesPerSecond);
    }
  }

  /**
   * Deletes what {@code pulled} does not list, under the destination's lock (no pull writes
   * meanwhile); a lock held by another pull or an unreadable tree fails before anything is deleted.
   */
  private static SyncPlan deleteExtras(Path dest, List<FileManifest> pulled, Map<String, SyncPlan.Held> held,
      List<String> errors) throws IOException {
    Path state = dest.resolve(LocalChunkSink.STATE_DIR);
    boolean hadState = Files.isDirectory(state);
    DestinationLock lock = DestinationLock.acquire(dest);
    try {
      SyncPlan plan = SyncPlan.of(pulled, held, LocalTree.scan(dest), true);
      LocalTree.Deletion d = LocalTree.delete(dest, plan.filesToDelete(), plan.dirsToDelete());
      d.refused().forEach((name, why) -> {
        if (why.startsWith("cannot delete")) {
          errors.add(name + ": " + why);
        }
      });
      return plan.deleted(d);
    } finally {
      lock.release();
      if (!hadState) {
        removeIfEmpty(state); // the pull had pruned it: leave none behind for the lock
      }
    }
  }

  private static void removeIfEmpty(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // not empty (someone else's state arrived meanwhile) or not removable: it stays, harmless
    }
  }

  /** Whether the source path named one file (it lands as its own name, not as a folder's contents). */
  private boolean isOneFile(List<FileManifest> listing) {
    String path = o.source().path();
    return listing.size() == 1 && !path.isEmpty() && listing.get(0).path().equals(path);
  }

  private PullResult pull(PullSession session) throws InterruptedException {
    progress.started(session.counters());
    CompletableFuture<PullResult> f = session.run().toCompletionStage().toCompletableFuture();
    try {
      while (true) {
        try {
          return f.get(250, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          progress.tick();
        } catch (ExecutionException e) {
          throw new IllegalStateException("the pull ended without a result", e.getCause()); // run() never fails
        }
      }
    } finally {
      progress.finished();
    }
  }

  private SyncLog log(SyncPlan plan, PullResult r, List<String> errors) {
    return new SyncLog("pull", o.source().toString(), o.destination().toString(), dryRun, delete, plan, r, errors);
  }
}
