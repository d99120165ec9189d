package io.shardline.gateway.api;

import io.shardline.gateway.job.AttemptStats;
import io.shardline.gateway.job.Job;
import io.shardline.gateway.job.JobAction;
import io.shardline.gateway.job.JobEvent;
import io.shardline.gateway.job.JobEventJson;
import io.shardline.gateway.job.JobMode;
import io.shardline.gateway.job.JobRecord;
import io.shardline.gateway.job.JobSpec;
import io.shardline.gateway.job.JobState;
import io.shardline.gateway.job.Progress;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/** A job as the API shows it (the Job schema of openapi.yaml). */
final class JobView {
  private JobView() {}

  static JsonObject of(Job j) {
    JobSpec s = j.spec();
    Progress p = j.progress();
    boolean running = j.state() == JobState.RUNNING;
    AttemptStats last = j.lastAttempt();
    JsonObject o = new JsonObject()
        .put("id", j.id())
        .put("mode", s.mode().label())
        .put("state", j.state().label())
        .put("ended", j.state().ended())
        .put("actions", actions(j.state()))
        .put("source", s.source() + ":" + s.sourcePath())
        .put("destination", s.destination() + ":" + s.destPath())
        .put("lanes", s.lanes())
        .put("compression", s.compression().name().toLowerCase(Locale.ROOT))
        .put("priority", s.priority())
        .put("rateLimit", j.rateLimit())
        .put("submittedBy", j.submittedBy())
        .put("createdAt", Instant.ofEpochMilli(j.createdAt()).toString())
        .put("updatedAt", Instant.ofEpochMilli(j.updatedAt()).toString())
        .put("attempts", j.attempts())
        .put("bytesDone", p.bytesDone())
        .put("bytesTotal", p.bytesTotal())
        .put("wireBytes", p.wireBytes())
        .put("bytesResumed", p.bytesResumed())
        .put("bytesMoved", running ? Math.max(0, p.bytesDone() - p.bytesResumed()) : last == null ? 0 : last.bytes())
        .put("bytesReused", running ? p.bytesReused() : last == null ? 0 : last.reusedBytes())
        .put("rate", running ? p.rate() : 0)
        .put("eta", eta(j, p))
        .put("percent", j.state() == JobState.SUCCEEDED ? 100.0 : Math.round(p.fraction() * 1000) / 10.0)
        .put("filesDone", p.filesDone())
        .put("filesTotal", p.filesTotal())
        .put("retriedChunks", p.retriedChunks())
        .put("reconnects", p.reconnects())
        .put("lanesActive", running ? p.lanes() : 0)
        .put("error", j.error());
    if (s.broadcast() != null) { // its place in its broadcast (not the list of every target)
      o.put("broadcast", new JsonObject().put("id", s.broadcast().id()).put("target", s.broadcast().target())
          .put("upstreams", new JsonArray(s.broadcast().upstreams())));
    }
    if (j.waiting() != null && j.state() == JobState.QUEUED) {
      o.put("waiting", j.waiting());
    }
    if (s.mode() == JobMode.SYNC) {
      o.put("direction", s.direction()).put("delete", s.delete()).put("dryRun", s.dryRun());
      JsonObject log = latestSyncLog(j);
      if (log != null) {
        o.put("sync", new JsonObject().put("ok", log.getBoolean("ok", false))
            .put("totals", log.getJsonObject("totals", new JsonObject()))
            .put("deletedDirs", log.getJsonArray("deletedDirs", new JsonArray()).size()));
      }
    }
    if (s.label() != null) {
      o.put("label", s.label());
    }
    if (s.sha256() != null) {
      o.put("sha256", s.sha256());
    }
    if (j.result() != null) {
      o.put("digests", new JsonObject(new LinkedHashMap<>(j.result().digests())));
    }
    return o;
  }

  /** The log of the job's latest sync attempt that has one (its events keep it), or null. */
  private static JsonObject latestSyncLog(Job j) {
    List<JobRecord> events = j.events();
    for (int i = events.size() - 1; i >= 0; i--) {
      JobEvent e = events.get(i).event();
      JsonObject log = e instanceof JobEvent.Succeeded x ? x.sync() : e instanceof JobEvent.Failed x ? x.sync()
          : e instanceof JobEvent.AttemptEnded x ? x.sync() : null;
      if (log != null) {
        return log;
      }
    }
    return null;
  }

  /** What the job accepts now, by its state (whether the caller's role may do it is not asked here). */
  private static JsonArray actions(JobState state) {
    JsonArray a = new JsonArray();
    for (JobAction action : state.actions()) {
      a.add(action.label());
    }
    return a;
  }

  /** Seconds left while running (null when unknown), 0 once succeeded, null otherwise. */
  private static Long eta(Job j, Progress p) {
    if (j.state() == JobState.SUCCEEDED) {
      return 0L;
    }
    return j.state() == JobState.RUNNING && p.etaSeconds() >= 0 ? Long.valueOf(p.etaSeconds()) : null;
  }

  /** One event of the audit log and the event stream: its {@code data} is the journal's. */
  static JsonObject event(JobRecord r) {
    return new JsonObject().put("seq", r.seq()).put("time", Instant.ofEpochMilli(r.time()).toString())
        .put("type", r.event().type()).put("actor", r.actor()).put("data", JobEventJson.data(r.event()));
  }

  static JsonObject log(Job j) {
    JsonArray a = new JsonArray();
    j.events().forEach(r -> a.add(event(r)));
    return new JsonObject().put("id", j.id()).put("events", a);
  }
}
