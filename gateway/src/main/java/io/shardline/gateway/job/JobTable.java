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
  public Job apply(JournalRecord r) {
    if (r.seq() <= lastSeq) {
      throw new IllegalStateException("event " + r.seq() + " after event " + lastSeq);
    }
    Job job;
    JsonObject d = r.data();
    if (EventType.SUBMITTED.equals(r.type())) {
      if (jobs.containsKey(r.jobId())) {
        throw new IllegalStateException("job " + r.jobId() + " submitted twice (event " + r.seq() + ")");
      }
      job = new Job(r.jobId(), JobSpec.fromJson(d.getJsonObject("spec")), r.time(), r.actor(),
          d.getString("idempotencyKey"), d.getString("requestHash"));
      jobs.put(job.id(), job);
      if (job.idempotencyKey() != null) {
        idempotency.put(r.actor() + '\0' + job.idempotencyKey(), job.id());
      }
    } else {
      job = jobs.get(r.jobId());
      if (job == null) {
        throw new IllegalStateException("event " + r.seq() + " (" + r.type() + ") for unknown job " + r.jobId());
      }
      switch (r.type()) {
        case EventType.STARTED -> {
          job.state(JobState.RUNNING);
          job.startAttempt();
        }
        case EventType.PAUSED -> job.state(JobState.PAUSED);
        case EventType.RESUMED, EventType.INTERRUPTED -> job.state(JobState.QUEUED);
        case EventType.CANCELLED -> job.state(JobState.CANCELLED);
        case EventType.RATE_CHANGED -> job.rateLimit(d.getLong("rateLimit", 0L));
        case EventType.ATTEMPT_ENDED -> job.endAttempt(d);
        case EventType.SUCCEEDED -> {
          job.endAttempt(d);
          job.result(d);
          job.state(JobState.SUCCEEDED);
          long total = d.getLong("totalBytes", job.progress().bytesTotal());
          int files = d.getInteger("files", job.progress().filesTotal());
          job.progress(new Progress(total, total, job.pastWire(), 0, 0, files, files, job.pastRetries(),
              job.pastReconnects(), 0));
        }
        case EventType.FAILED -> {
          job.endAttempt(d);
          job.error(d.getString("error"));
          job.state(JobState.FAILED);
        }
        default -> throw new IllegalStateException("event " + r.seq() + " has unknown type " + r.type());
      }
    }
    job.record(r);
    lastSeq = r.seq();
    return job;
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
