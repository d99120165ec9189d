package io.shardline.gateway.api;

import io.shardline.gateway.job.Job;
import io.shardline.gateway.job.JobException;
import io.shardline.gateway.job.JobListener;
import io.shardline.gateway.job.JobRecord;
import io.shardline.gateway.job.JobRunner;
import io.shardline.gateway.job.JobService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code GET /api/v1/jobs/{id}/events}: server-sent events for one job. Each state change is an
 * event {@code state} whose id is its journal sequence number, so a client that reconnects with
 * {@code Last-Event-ID} is first sent every change it missed; {@code progress} events (no id)
 * follow every {@link JobRunner#TICK_MS} ms while the job runs, and are skipped, never queued,
 * while the client reads slower than they come. The stream ends once the job has ended. Each
 * event's job is the same view as {@code GET jobs/{id}} (in a cluster, naming this member).
 */
public final class EventStream {
  /** The longest time between two writes on a stream (a comment line when nothing else is sent). */
  public static final long HEARTBEAT_MS = 15_000;

  private final Vertx vertx;
  private final JobService jobs;
  private final JobRunner runner;
  private final long heartbeatMs;
  private final Function<Job, JsonObject> view;

  /**
   * @param heartbeatMs the longest silence on a stream: below the server's idle timeout, so an
   *     open stream is never closed as idle
   * @param view a job as the API shows it
   */
  public EventStream(Vertx vertx, JobService jobs, JobRunner runner, long heartbeatMs, Function<Job, JsonObject> view) {
    this.vertx = vertx;
    this.jobs = jobs;
    this.runner = runner;
    this.heartbeatMs = heartbeatMs;
    this.view = view;
  }

  public void handle(RoutingContext rc) {
    Job job;
    try {
      job = jobs.get(JobsApi.id(rc));
    } catch (JobException e) {
      JobsApi.fail(rc, e);
      return;
    }
    long after = lastEventId(rc.request().getHeader("Last-Event-ID"));
    HttpServerResponse res = rc.response();
    res.setStatusCode(200).setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    if (after < 0) {
      send(res, "state", job.lastSeq(), new JsonObject().put("job", view.apply(job)));
    } else {
      for (JobRecord r : job.events()) {
        if (r.seq() > after) {
          send(res, "state", r.seq(), new JsonObject().put("event", JobView.event(r)).put("job", view.apply(job)));
        }
      }
    }
    if (job.state().ended()) {
      res.end();
      return;
    }
    String id = job.id();
    JobListener onEvent = (j, r) -> {
      if (j.id().equals(id) && !res.ended()) {
        send(res, "state", r.seq(), new JsonObject().put("event", JobView.event(r)).put("job", view.apply(j)));
        if (j.state().ended()) {
          res.end();
        }
      }
    };
    Consumer<Job> onProgress = j -> {
      if (j.id().equals(id) && !res.ended() && !res.writeQueueFull()) {
        send(res, "progress", -1, view.apply(j));
      }
    };
    long heartbeat = vertx.setPeriodic(heartbeatMs, t -> {
      if (!res.ended()) {
        res.write(": keep-alive\n\n");
      }
    });
    jobs.addListener(onEvent);
    runner.addProgressListener(onProgress);
    Runnable cleanup = () -> {
      jobs.removeListener(onEvent);
      runner.removeProgressListener(onProgress);
      vertx.cancelTimer(heartbeat);
    };
    res.closeHandler(v -> cleanup.run());
    res.endHandler(v -> cleanup.run());
  }

  private static void send(HttpServerResponse res, String event, long id, JsonObject data) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("event: ").append(event).append('\n');
    if (id >= 0) {
      sb.append("id: ").append(id).append('\n');
    }
    sb.append("data: ").append(data.encode()).append("\n\n"); // encode() never emits raw newlines
    res.write(sb.toString());
  }

  private static long lastEventId(String h) {
    if (h == null || h.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, Long.parseLong(h.trim()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
