package io.shardline.gateway.job;

import io.shardline.gateway.journal.JournalRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The jobs, as a projection of the journal: {@link #apply} folds one event in; replaying every
 * event from an empty table (or from a snapshot) rebuilds the same table. Not thread-safe: owned
 * by the gateway's context.
 */
public final class JobTable {
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  /** "caller\0key" of an Idempotency-Key, to the job it created. */
  private final Map<String, String> idempotency = new HashMap<>();
  private long lastSeq;

  public Job get(String id) {
    return jobs.get(id);
  }

  public long lastSeq() {
    return lastSeq;
  }

  public int size() {
    return jobs.size();
  }

  /** The job an Idempotency-Key of this caller created, or null. */
  public Job byIdempotencyKey(String caller, String key) {
    String id = idempotency.get(caller + '\0' + key);
    return id == null ? null : jobs.get(id);
  }

  /** Jobs in submission order, optionally only those in {@code state}. */
  public List<Job> list(JobState state) {
    List<Job> out = new ArrayList<>();
    for (Job j : jobs.values()) {
      if (state == null || j.state() == state) {
        out.add(j);
      }
    }
    return out;
  }

  public Map<JobState, Integer> countByState() {
    Map<JobState, Integer> m = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      m.put(s, 0);
    }
    jobs.values().forEach(j -> m.merge(j.state(), 1, Integer::sum));
    return m;
  }

  /** Folds one event in. Events must come in sequence order; an event for an unknown job is an error. */
  public Job apply(JobRecord r) {
    if (r.seq() <= lastSeq) {
      throw new IllegalStateException("event " + r.seq() + " after event " + lastSeq);
    }
    Job job = r.event().accept(new Fold(r));
    job.record(r);
    lastSeq = r.seq();
    return job;
  }

  /** Folds in events read from the journal (after a snapshot's, or all of them). */
  public void replay(List<JournalRecord> records) {
    for (JournalRecord r : records) {
      apply(JobEventJson.fromJournal(r));
    }
  }

  /** What each event does to its job: one method per event type, so none can be left out. */
  private final class Fold implements JobEvent.Visitor<Job> {
    private final JobRecord r;

    Fold(JobRecord r) {
      this.r = r;
    }

    /** The job the event is about: it must have been submitted. */
    private Job job() {
      Job job = jobs.get(r.jobId());
      if (job == null) {
        throw new IllegalStateException("event " + r.seq() + " (" + r.event().type() + ") for unknown job " + r.jobId());
      }
      return job;
    }

    @Override
    public Job submitted(JobEvent.Submitted e) {
      if (jobs.containsKey(r.jobId())) {
        throw new IllegalStateException("job " + r.jobId() + " submitted twice (event " + r.seq() + ")");
      }
      Job job = new Job(r.jobId(), e.spec(), r.time(), r.actor(), e.idempotencyKey(), e.requestHash());
      jobs.put(job.id(), job);
      if (job.idempotencyKey() != null) {
        idempotency.put(r.actor() + '\0' + job.idempotencyKey(), job.id());
      }
      return job;
    }

    @Override
    public Job started(JobEvent.Started e) {
      Job job = job();
      job.state(JobState.RUNNING);
      job.startAttempt();
      return job;
    }

    @Override
    public Job paused(JobEvent.Paused e) {
      return state(JobState.PAUSED);
    }

    @Override
    public Job resumed(JobEvent.Resumed e) {
      return state(JobState.QUEUED);
    }

    @Override
    public Job cancelled(JobEvent.Cancelled e) {
      return state(JobState.CANCELLED);
    }

    @Override
    public Job rateChanged(JobEvent.RateChanged e) {
      Job job = job();
      job.rateLimit(e.rateLimit());
      return job;
    }

    @Override
    public Job attemptEnded(JobEvent.AttemptEnded e) {
      Job job = job();
      job.endAttempt(e.stats());
      return job;
    }

    @Override
    public Job succeeded(JobEvent.Succeeded e) {
      Job job = job();
      job.endAttempt(e.stats());
      job.result(e);
      job.state(JobState.SUCCEEDED);
      long total = e.stats().totalBytes();
      int files = e.stats().files();
      job.progress(new Progress(total, total, job.pastWire(), 0, 0, files, files, job.pastRetries(),
          job.pastReconnects(), 0, 0));
      return job;
    }

    @Override
    public Job failed(JobEvent.Failed e) {
      Job job = job();
      job.endAttempt(e.stats());
      job.error(e.error());
      job.state(JobState.FAILED);
      return job;
    }

    @Override
    public Job interrupted(JobEvent.Interrupted e) {
      return state(JobState.QUEUED);
    }

    private Job state(JobState s) {
      Job job = job();
      job.state(s);
      return job;
    }
  }

  /** The table as JSON, for a snapshot. */
  public JsonObject toSnapshot() {
    JsonArray a = new JsonArray();
    jobs.values().forEach(j -> a.add(j.toSnapshot()));
    return new JsonObject().put("lastSeq", lastSeq).put("jobs", a);
  }

  public static JobTable fromSnapshot(JsonObject s) {
    JobTable t = new JobTable();
    t.lastSeq = s.getLong("lastSeq");
    for (Object o : s.getJsonArray("jobs")) {
      Job j = Job.fromSnapshot((JsonObject) o);
      t.jobs.put(j.id(), j);
      if (j.idempotencyKey() != null) {
        t.idempotency.put(j.submittedBy() + '\0' + j.idempotencyKey(), j.id());
      }
    }
    return t;
  }
}
