package io.shardline.gateway.job;

import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.journal.EventJournal;
import io.shardline.gateway.journal.JournalRecord;
import io.shardline.gateway.journal.SnapshotStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands on jobs: each checks the job's state, turns into events, applies them to the
 * {@link JobTable} at once (so the next command sees them) and completes once the journal has
 * forced them to disk, so an HTTP response is only sent for what a crash cannot lose. Listeners
 * (the runner, event streams) hear every event. Confined to the gateway's context.
 */
public final class JobService {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);

  private final Context context;
  private final JobTable table;
  private final EventJournal journal;
  private final SnapshotStore snapshots;
  private final WorkerExecutor snapshotWriter;
  private final int snapshotEvery;
  private final JobPaths paths;
  private final List<JobListener> listeners = new CopyOnWriteArrayList<>();
  private long eventsSinceSnapshot;
  private boolean snapshotting;

  /** The outcome of a submission: the job, and whether this request created it. */
  public record Submitted(Job job, boolean created) {}

  public JobService(Context context, JobTable table, EventJournal journal, SnapshotStore snapshots,
      WorkerExecutor snapshotWriter, int snapshotEvery, JobPaths paths) {
    this.context = context;
    this.table = table;
    this.journal = journal;
    this.snapshots = snapshots;
    this.snapshotWriter = snapshotWriter;
    this.snapshotEvery = snapshotEvery;
    this.paths = paths;
  }

  public JobTable table() {
    return table;
  }

  public Context context() {
    return context;
  }

  public void addListener(JobListener l) {
    listeners.add(l);
  }

  public void removeListener(JobListener l) {
    listeners.remove(l);
  }

  public Job get(String id) {
    Job j = table.get(id);
    if (j == null) {
      throw new JobException(JobException.Kind.NOT_FOUND, "no job " + id);
    }
    return j;
  }

  /**
   * Accepts a job. With an Idempotency-Key already used by this caller, the same request returns
   * the job it created, and another request is refused.
   */
  public Future<Submitted> submit(JobSpec spec, Caller caller, String idempotencyKey, String requestHash) {
    try {
      if (idempotencyKey != null) {
        Job earlier = table.byIdempotencyKey(caller.name(), idempotencyKey);
        if (earlier != null) {
          if (!earlier.requestHash().equals(requestHash)) {
            throw new JobException(JobException.Kind.KEY_REUSED, "Idempotency-Key '" + idempotencyKey
                + "' was used for job " + earlier.id() + " with a different request");
          }
          return Future.succeededFuture(new Submitted(earlier, false));
        }
      }
      paths.check(spec);
      JsonObject data = new JsonObject().put("spec", spec.toJson()).put("requestHash", requestHash);
      if (idempotencyKey != null) {
        data.put("idempotencyKey", idempotencyKey);
      }
      String id = UUID.randomUUID().toString();
      return record(id, EventType.SUBMITTED, caller, data).map(j -> new Submitted(j, true));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  public Future<Job> pause(String id, Caller caller) {
    return command(id, caller, EventType.PAUSED, JobAction.PAUSE);
  }

  /** Resumes a paused job, or retries a failed one: back in the queue. */
  public Future<Job> resume(String id, Caller caller) {
    return command(id, caller, EventType.RESUMED, JobAction.RESUME);
  }

  public Future<Job> cancel(String id, Caller caller) {
    return command(id, caller, EventType.CANCELLED, JobAction.CANCEL);
  }

  public Future<Job> rateLimit(String id, long bytesPerSecond, Caller caller) {
    try {
      Job j = get(id);
      if (!JobAction.RATE.allowedFrom(j.state())) {
        throw new JobException(JobException.Kind.CONFLICT, "job " + id + " is " + j.state().label()
            + "; the rate of a " + j.state().label() + " job cannot change");
      }
      return record(id, EventType.RATE_CHANGED, caller, new JsonObject().put("rateLimit", bytesPerSecond)
          .put("from", j.rateLimit()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Job> command(String id, Caller caller, String type, JobAction action) {
    try {
      Job j = get(id);
      if (action.allowedFrom(j.state())) {
        return record(id, type, caller, new JsonObject().put("from", j.state().label()));
      }
      throw new JobException(JobException.Kind.CONFLICT, "job " + id + " is " + j.state().label() + "; it cannot be "
          + type + " (allowed from: " + labels(action.from()) + ")"); // type: paused, resumed, cancelled
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Appends one event, applies it, tells listeners; completes when it is on disk. */
  public Future<Job> record(String jobId, String type, Caller caller, JsonObject data) {
    JournalRecord r = journal.next(jobId, type, caller.name(), data);
    Future<Void> durable = journal.append(List.of(r));
    Job job = table.apply(r);
    for (JobListener l : listeners) {
      try {
        l.onEvent(job, r);
      } catch (RuntimeException e) {
        LOG.error("a job listener failed on event {}", r.seq(), e);
      }
    }
    maybeSnapshot(durable);
    return durable.recover(t -> Future.failedFuture(new JobException(JobException.Kind.UNAVAILABLE,
        "the job journal cannot be written: " + t.getMessage()))).map(job);
  }

  private void maybeSnapshot(Future<Void> durable) {
    if (++eventsSinceSnapshot < snapshotEvery || snapshotting) {
      return;
    }
    snapshotting = true;
    eventsSinceSnapshot = 0;
    // Taken on the context, right after an event: the table and the journal's end agree.
    SnapshotStore.Snapshot s = new SnapshotStore.Snapshot(table.toSnapshot(), journal.size());
    // Written only once the events it holds are durable: a snapshot never runs ahead of the journal.
    durable.compose(v -> snapshotWriter.executeBlocking(() -> {
      snapshots.write(s);
      return null;
    }, false)).onComplete(ar -> context.runOnContext(v -> {
      snapshotting = false;
      if (ar.failed()) {
        LOG.warn("cannot write a snapshot: {}", ar.cause().toString());
      }
    }));
  }

  private static String labels(List<JobState> states) {
    StringBuilder sb = new StringBuilder();
    for (JobState s : states) {
      sb.append(sb.length() == 0 ? "" : ", ").append(s.label());
    }
    return sb.toString();
  }
}
