package io.shardline.gateway.job;

import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.journal.EventJournal;
import io.shardline.gateway.journal.JournalRecord;
import io.shardline.gateway.journal.SnapshotStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands on jobs: each checks the job's state, turns into an event, and applies it to the
 * {@link JobTable} and tells listeners (the runner, event streams) only once the journal has
 * forced it to disk. So a failed append changes nothing: no job appears, nothing runs, and the
 * caller hears {@link JobException.Kind#UNAVAILABLE}. Commands on one job (and submissions with one
 * Idempotency-Key) run one after another, each checking the state its predecessors left, so two
 * racing commands still see each other. Confined to the gateway's context.
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
  private volatile JobOwnership ownership = JobOwnership.ALONE;
  /** The last command in flight per job id (or per "caller\0Idempotency-Key"): the next one waits for it. */
  private final Map<String, Future<?>> inFlight = new HashMap<>();
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

  /** Which jobs this gateway holds (in a cluster); {@link JobOwnership#ALONE} until it joins one. */
  public void ownership(JobOwnership o) {
    ownership = o;
  }

  public JobOwnership ownership() {
    return ownership;
  }

  /** Whether this gateway holds the job (alone: every job it has). */
  public boolean holds(String id) {
    return table.get(id) != null && ownership.holds(id);
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
    if (idempotencyKey == null) {
      return attempt(() -> create(spec, caller, null, requestHash));
    }
    // a retry of a refused submission (503) with the same key runs after it, and creates the job once
    return serially("key\0" + caller.name() + '\0' + idempotencyKey, () -> create(spec, caller, idempotencyKey, requestHash));
  }

  /**
   * Throws {@link JobException} (INVALID) for a spec this member would refuse. With
   * {@code localOnly} (a cluster's member), a spec whose local root this member does not declare
   * is left to the member that does.
   */
  public void check(JobSpec spec, boolean localOnly) {
    if (!localOnly || paths.declares(spec.localName())) {
      paths.check(spec);
    }
  }

  private Future<Submitted> create(JobSpec spec, Caller caller, String idempotencyKey, String requestHash) {
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
    String id = UUID.randomUUID().toString();
    return append(id, caller, new JobEvent.Submitted(spec, idempotencyKey, requestHash)).map(j -> new Submitted(j, true));
  }

  public Future<Job> pause(String id, Caller caller) {
    return command(id, caller, JobEvent.Paused::new, JobAction.PAUSE);
  }

  /** Resumes a paused job, or retries a failed one: back in the queue. */
  public Future<Job> resume(String id, Caller caller) {
    return command(id, caller, JobEvent.Resumed::new, JobAction.RESUME);
  }

  public Future<Job> cancel(String id, Caller caller) {
    return command(id, caller, JobEvent.Cancelled::new, JobAction.CANCEL);
  }

  public Future<Job> rateLimit(String id, long bytesPerSecond, Caller caller) {
    return change(id, caller, j -> {
      if (!JobAction.RATE.allowedFrom(j.state())) {
        throw new JobException(JobException.Kind.CONFLICT, "job " + id + " is " + j.state().label()
            + "; the rate of a " + j.state().label() + " job cannot change");
      }
      return new JobEvent.RateChanged(bytesPerSecond, j.rateLimit());
    });
  }

  /** A command that {@code action}'s table allows or refuses; {@code event} makes its event from the job's state. */
  private Future<Job> command(String id, Caller caller, Function<JobState, JobEvent> event, JobAction action) {
    return change(id, caller, j -> {
      JobEvent e = event.apply(j.state());
      if (action.allowedFrom(j.state())) {
        return e;
      }
      throw new JobException(JobException.Kind.CONFLICT, "job " + id + " is " + j.state().label() + "; it cannot be "
          + e.type() + " (allowed from: " + labels(action.from()) + ")"); // type: paused, resumed, cancelled
    });
  }

  /**
   * Records the event {@code decide} makes of the job, once every earlier command on the job has
   * been applied (or refused): {@code decide} sees the state they left, and may refuse by
   * throwing {@link JobException}. Completes with the job once the event is durable and applied;
   * fails with UNAVAILABLE, changing nothing, when the journal cannot be written.
   */
  public Future<Job> change(String id, Caller caller, Function<Job, JobEvent> decide) {
    return serially(id, () -> append(id, caller, decide.apply(get(id))));
  }

  /** Runs {@code step} after the command in flight under {@code key}, if any, whatever its outcome. */
  private <T> Future<T> serially(String key, Supplier<Future<T>> step) {
    Future<?> before = inFlight.get(key);
    Future<T> f = before == null ? attempt(step) : before.transform(ar -> attempt(step));
    inFlight.put(key, f);
    f.onComplete(ar -> inFlight.remove(key, f));
    return f;
  }

  private static <T> Future<T> attempt(Supplier<Future<T>> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Appends one event; once it is on disk, applies it and tells listeners. */
  private Future<Job> append(String jobId, Caller caller, JobEvent event) {
    return appendAll(jobId, List.of(journal.next(jobId, event.type(), caller.name(), JobEventJson.data(event))));
  }

  /**
   * Appends events of one job (built by {@link EventJournal#next}, in order, just now); once they
   * are on disk, applies them and tells listeners, then waits for the job's history to be safe
   * beyond this gateway ({@link JobOwnership#recorded}) before completing, so an answer given
   * after it means the job survives the loss of this gateway.
   */
  private Future<Job> appendAll(String jobId, List<JournalRecord> entries) {
    List<JobRecord> records = new ArrayList<>(entries.size());
    for (JournalRecord e : entries) {
      records.add(JobEventJson.fromJournal(e));
    }
    Future<Void> durable = journal.append(entries);
    long end = journal.size(); // where the journal ends right after these events: a snapshot's offset
    return durable.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(new JobException(JobException.Kind.UNAVAILABLE,
            "the job journal cannot be written: " + ar.cause().getMessage()));
      }
      Job job = null;
      for (JobRecord r : records) {
        job = table.apply(r);
        for (JobListener l : listeners) {
          try {
            l.onEvent(job, r);
          } catch (RuntimeException e) {
            LOG.error("a job listener failed on event {}", r.seq(), e);
          }
        }
      }
      maybeSnapshot(end);
      Job applied = job;
      Promise<Job> answered = Promise.promise();
      ownership.recorded(jobId, applied.events()).onComplete(rep -> context.runOnContext(v -> {
        if (rep.failed()) {
          LOG.warn("job {}'s history is in this gateway's journal but not replicated: {}", jobId,
              rep.cause().toString());
        }
        answered.complete(applied); // on the gateway's context, whichever thread the cluster answered on
      }));
      return answered.future();
    });
  }

  /**
   * Takes over a job another gateway of the cluster held: appends the records of its
   * {@code history} (that gateway's, as replicated) that this journal does not have yet, with
   * their own times and actors, then {@code then} (e.g. {@code interrupted}, naming who took
   * over; or null), all at once. Records this gateway already has (it held the job before) are
   * recognised by time, type and actor and not repeated.
   */
  public Future<Job> adopt(String id, List<JournalRecord> history, JobEvent then, Caller caller) {
    return serially(id, () -> {
      Job local = table.get(id);
      Set<String> known = new HashSet<>();
      if (local != null) {
        for (JobRecord r : local.events()) {
          known.add(r.time() + "\0" + r.event().type() + "\0" + r.actor());
        }
      }
      List<JournalRecord> entries = new ArrayList<>();
      for (JournalRecord h : history) {
        if (!h.jobId().equals(id)) {
          throw new IllegalArgumentException("record " + h.seq() + " of job " + h.jobId() + " in job " + id + "'s history");
        }
        if (known.add(h.time() + "\0" + h.type() + "\0" + h.actor())) {
          JobEventJson.decode(h.seq(), h.type(), h.data()); // a history that does not parse is refused whole
          entries.add(h);
        }
      }
      if (local == null && (entries.isEmpty() || !JobEvent.Submitted.TYPE.equals(entries.get(0).type()))) {
        throw new IllegalArgumentException("job " + id + "'s history does not start with its submission");
      }
      List<JournalRecord> numbered = new ArrayList<>();
      for (JournalRecord h : entries) {
        numbered.add(journal.next(id, h.type(), h.actor(), h.data(), h.time()));
      }
      if (then != null) {
        numbered.add(journal.next(id, then.type(), caller.name(), JobEventJson.data(then)));
      }
      if (numbered.isEmpty()) {
        return ownership.recorded(id, local.events()).map(v -> local);
      }
      return appendAll(id, numbered);
    });
  }

  private void maybeSnapshot(long journalOffset) {
    if (++eventsSinceSnapshot < snapshotEvery || snapshotting) {
      return;
    }
    snapshotting = true;
    eventsSinceSnapshot = 0;
    // Taken on the context, as an event is applied: the table holds exactly the events up to
    // journalOffset, all durable, so a snapshot never runs ahead of the journal.
    SnapshotStore.Snapshot s = new SnapshotStore.Snapshot(table.toSnapshot(), journalOffset);
    snapshotWriter.executeBlocking(() -> {
      snapshots.write(s);
      return null;
    }, false).onComplete(ar -> context.runOnContext(v -> {
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
