package io.shardline.gateway.job;

import io.shardline.gateway.journal.JournalRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A job as the journal's events made it (see {@link JobTable#apply}), plus its live progress.
 * Confined to the gateway's context, except {@link #progress()}, which any thread may read.
 */
public final class Job {
  private final String id;
  private final JobSpec spec;
  private final long createdAt;
  private final String submittedBy;
  private final String idempotencyKey;
  private final String requestHash;
  private final List<JobRecord> events = new ArrayList<>();
  private JobState state = JobState.QUEUED;
  private long updatedAt;
  private long rateLimit;
  private int attempts;
  private String error;
  private JobEvent.Succeeded result;
  /** The statistics of the latest attempt that had any, or null. */
  private AttemptStats lastAttempt;
  /** Totals of attempts that ended (retries, reconnects, wire bytes). */
  private long pastRetries;
  private long pastReconnects;
  private long pastWire;
  private volatile Progress progress = Progress.NONE;
  /** Bumped on every change a reader can see: lets the API reuse its encoding of the job. */
  private long version;
  private Object cachedView;
  private volatile String waiting;
  private long cachedVersion = -1;

  Job(String id, JobSpec spec, long createdAt, String submittedBy, String idempotencyKey, String requestHash) {
    this.id = id;
    this.spec = spec;
    this.createdAt = createdAt;
    this.updatedAt = createdAt;
    this.submittedBy = submittedBy;
    this.idempotencyKey = idempotencyKey;
    this.requestHash = requestHash;
    this.rateLimit = spec.rateLimit();
  }

  public String id() { return id; }
  public JobSpec spec() { return spec; }
  public JobState state() { return state; }
  public long createdAt() { return createdAt; }
  public long updatedAt() { return updatedAt; }
  public String submittedBy() { return submittedBy; }
  public String idempotencyKey() { return idempotencyKey; }
  public String requestHash() { return requestHash; }
  public long rateLimit() { return rateLimit; }
  public int attempts() { return attempts; }
  public String error() { return error; }
  /** The final outcome (statistics, digests) once succeeded, else null. */
  public JobEvent.Succeeded result() { return result; }
  /** The statistics of the latest attempt that ended with any (bytes moved and reused), or null. */
  public AttemptStats lastAttempt() { return lastAttempt; }
  public Progress progress() { return progress; }
  public long pastRetries() { return pastRetries; }
  public long pastReconnects() { return pastReconnects; }
  public long pastWire() { return pastWire; }
  /** The job's audit trail: every event the journal holds for it, oldest first. */
  public List<JobRecord> events() { return Collections.unmodifiableList(events); }
  /** Sequence number of the job's latest event. */
  public long lastSeq() { return events.isEmpty() ? 0 : events.get(events.size() - 1).seq(); }

  void progress(Progress p) { progress = p; version++; }
  /** Why a queued job does not start yet (not journalled: it changes as the cluster does), or null. */
  public String waiting() { return waiting; }
  public void waiting(String why) {
    if (!java.util.Objects.equals(why, waiting)) {
      waiting = why;
      version++;
    }
  }
  void state(JobState s) { state = s; version++; }
  void rateLimit(long r) { rateLimit = r; }
  void error(String e) { error = e; }
  void result(JobEvent.Succeeded r) { result = r; }
  void startAttempt() { attempts++; error = null; }
  /** Adds an ended attempt's statistics to the totals (none when the attempt had none). */
  void endAttempt(AttemptStats stats) {
    if (stats != null) {
      lastAttempt = stats;
      pastRetries += stats.retriedChunks();
      pastReconnects += stats.reconnects();
      pastWire += stats.wireBytes();
    }
  }
  void record(JobRecord r) {
    events.add(r);
    updatedAt = r.time();
    version++;
  }

  /**
   * The API's encoding of this job if nothing changed since it was made, else null. Kept here (on
   * the gateway's context) so that polling clients cost one buffer copy, not a JSON encoding.
   */
  public Object cachedView() {
    return cachedVersion == version ? cachedView : null;
  }

  public void cachedView(Object view) {
    cachedView = view;
    cachedVersion = version;
  }

  /** Everything a snapshot needs to rebuild this job without its events' replay. */
  JsonObject toSnapshot() {
    JsonArray ev = new JsonArray();
    events.forEach(r -> ev.add(JobEventJson.toJournal(r).toJson()));
    Progress p = progress;
    return new JsonObject().put("id", id).put("spec", spec.toJson()).put("createdAt", createdAt)
        .put("submittedBy", submittedBy).put("idempotencyKey", idempotencyKey).put("requestHash", requestHash)
        .put("state", state.label()).put("updatedAt", updatedAt).put("rateLimit", rateLimit).put("attempts", attempts)
        .put("error", error).put("result", result == null ? null : JobEventJson.data(result))
        .put("pastRetries", pastRetries).put("pastReconnects", pastReconnects)
        .put("pastWire", pastWire)
        .put("progress", new JsonObject().put("bytesDone", p.bytesDone()).put("bytesTotal", p.bytesTotal())
            .put("filesDone", p.filesDone()).put("filesTotal", p.filesTotal()))
        .put("events", ev);
  }

  static Job fromSnapshot(JsonObject j) {
    Job job = new Job(j.getString("id"), JobSpec.fromJson(j.getJsonObject("spec")), j.getLong("createdAt"),
        j.getString("submittedBy"), j.getString("idempotencyKey"), j.getString("requestHash"));
    job.state = JobState.parse(j.getString("state"));
    job.updatedAt = j.getLong("updatedAt");
    job.rateLimit = j.getLong("rateLimit");
    job.attempts = j.getInteger("attempts");
    job.error = j.getString("error");
    job.pastRetries = j.getLong("pastRetries", 0L);
    job.pastReconnects = j.getLong("pastReconnects", 0L);
    job.pastWire = j.getLong("pastWire", 0L);
    JsonObject p = j.getJsonObject("progress", new JsonObject());
    job.progress = new Progress(p.getLong("bytesDone", 0L), p.getLong("bytesTotal", 0L), job.pastWire, 0, -1,
        p.getInteger("filesDone", 0), p.getInteger("filesTotal", 0), job.pastRetries, job.pastReconnects, 0, 0);
    for (Object o : j.getJsonArray("events", new JsonArray())) {
      JobRecord r = JobEventJson.fromJournal(JournalRecord.fromJson((JsonObject) o));
      job.events.add(r);
      if (r.event() instanceof JobEvent.Succeeded s) {
        job.result = s; // the snapshot's "result" is this event's data
      }
      AttemptStats stats = r.event() instanceof JobEvent.Succeeded s ? s.stats()
          : r.event() instanceof JobEvent.Failed f ? f.stats()
          : r.event() instanceof JobEvent.AttemptEnded a ? a.stats() : null;
      if (stats != null) {
        job.lastAttempt = stats;
      }
    }
    return job;
  }
}
