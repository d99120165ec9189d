package io.shardline.gateway.api;

import io.shardline.engine.rate.Rates;
import io.shardline.engine.transfer.Compression;
import io.shardline.gateway.auth.AuthHandler;
import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.http.Problem;
import io.shardline.gateway.job.BroadcastPart;
import io.shardline.gateway.job.Job;
import io.shardline.gateway.job.JobException;
import io.shardline.gateway.job.JobMode;
import io.shardline.gateway.job.JobService;
import io.shardline.gateway.job.JobSpec;
import io.shardline.gateway.job.JobState;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The handlers of the jobs API. Requests reach them already checked against openapi.yaml (types,
 * ranges, required fields, no unknown fields); they check what the contract cannot (names that
 * must exist in the config, paths that must stay inside their root, state changes).
 */
public final class JobsApi {
  public static final int DEFAULT_LANES = 4;

  private final JobService jobs;
  /** This member's name in a cluster (every view names it), or null. */
  private final Supplier<String> node;

  public JobsApi(JobService jobs) {
    this(jobs, () -> null);
  }

  public JobsApi(JobService jobs, Supplier<String> node) {
    this.jobs = jobs;
    this.node = node;
  }

  /** A job's view, naming this member when it is one of a cluster. */
  JsonObject view(Job j) {
    JsonObject v = JobView.of(j);
    String n = node.get();
    return n == null ? v : v.put("node", n);
  }

  public void submit(RoutingContext rc) {
    ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    JsonObject body = req.getBody().getJsonObject();
    JobSpec spec;
    try {
      spec = spec(body);
    } catch (IllegalArgumentException e) {
      Problem.send(rc, 400, e.getMessage());
      return;
    }
    RequestParameter key = req.getHeaders().get("Idempotency-Key");
    String idem = key == null || key.isNull() ? null : key.getString();
    reply(rc, submit(spec, AuthHandler.caller(rc), idem).map(s -> {
      if (!s.created()) {
        rc.response().putHeader("Idempotent-Replayed", "true");
      }
      rc.response().putHeader("Location", "/api/v1/jobs/" + s.job().id());
      return s.job();
    }), 201);
  }

  /** Submits a job on this member (the same key and spec again: the job it made). */
  Future<JobService.Submitted> submit(JobSpec spec, Caller caller, String idempotencyKey) {
    return jobs.submit(spec, caller, idempotencyKey, hash(spec.toJson().encode()));
  }

  /**
   * Refuses (JobException INVALID) a spec this member would refuse; alone, every spec is checked
   * (an unknown destination too), in a cluster those of the local roots it declares.
   */
  void check(JobSpec spec) {
    jobs.check(spec, node.get() != null);
  }

  /** This member's name in its cluster, or null. */
  String node() {
    return node.get();
  }

  /** Cancels a job of this member (a broadcast's). */
  Future<Job> cancel(String id, Caller caller) {
    try {
      return jobs.cancel(id, caller);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** The views of this member's jobs of broadcast {@code id}, in submission order. */
  JsonArray broadcastJobs(String id) {
    JsonArray out = new JsonArray();
    for (Job j : jobs.table().list(null)) {
      if (jobs.holds(j.id()) && j.spec().broadcast() != null && j.spec().broadcast().id().equals(id)) {
        out.add(view(j));
      }
    }
    return out;
  }

  public void list(RoutingContext rc) {
    ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter st = req.getQuery().get("state");
    JobState state = st == null || st.isNull() ? null : JobState.parse(st.getString());
    int offset = intParam(req, "offset", 0);
    int limit = intParam(req, "limit", 100);
    RequestParameter bc = req.getQuery().get("broadcast");
    String broadcast = bc == null || bc.isNull() ? null : bc.getString();
    List<Job> all = new ArrayList<>(jobs.table().list(state));
    all.removeIf(j -> !jobs.holds(j.id()) // in a cluster: a job another member took over is that member's to list
        || (broadcast != null && (j.spec().broadcast() == null || !j.spec().broadcast().id().equals(broadcast))));
    java.util.Collections.reverse(all); // newest first
    JsonArray page = new JsonArray();
    for (long i = offset; i < Math.min(all.size(), (long) offset + limit); i++) {
      page.add(view(all.get((int) i)));
    }
    json(rc, 200, new JsonObject().put("jobs", page).put("total", all.size()).put("offset", offset).put("limit", limit));
  }

  public void get(RoutingContext rc) {
    Job j;
    try {
      j = jobs.get(id(rc));
    } catch (JobException e) {
      fail(rc, e);
      return;
    }
    Buffer body = (Buffer) j.cachedView();
    if (body == null) {
      body = view(j).toBuffer();
      j.cachedView(body);
    }
    rc.response().setStatusCode(200).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(body);
  }

  public void log(RoutingContext rc) {
    Future<Job> j = lookup(rc);
    if (j.failed()) {
      fail(rc, j.cause());
    } else {
      json(rc, 200, JobView.log(j.result()));
    }
  }

  public void update(RoutingContext rc) {
    ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    long rate;
    try {
      rate = rate(req.getBody().getJsonObject().getValue("rateLimit"));
    } catch (IllegalArgumentException e) {
      Problem.send(rc, 400, e.getMessage());
      return;
    }
    reply(rc, jobs.rateLimit(id(rc), rate, AuthHandler.caller(rc)), 200);
  }

  public void cancel(RoutingContext rc) {
    reply(rc, jobs.cancel(id(rc), AuthHandler.caller(rc)), 200);
  }

  public void pause(RoutingContext rc) {
    reply(rc, jobs.pause(id(rc), AuthHandler.caller(rc)), 200);
  }

  public void resume(RoutingContext rc) {
    reply(rc, jobs.resume(id(rc), AuthHandler.caller(rc)), 200);
  }

  static String id(RoutingContext rc) {
    return rc.pathParam("id");
  }

  private Future<Job> lookup(RoutingContext rc) {
    try {
      return Future.succeededFuture(jobs.get(id(rc)));
    } catch (JobException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * The submission as a spec. What the contract cannot say is refused here: {@code direction},
   * {@code delete} and {@code dryRun} belong to sync jobs only (the rest, which needs the config,
   * is {@code JobPaths.check}'s).
   */
  static JobSpec spec(JsonObject b) {
    String[] src = split(b.getString("source"), "source");
    String[] dst = split(b.getString("destination"), "destination");
    long rate = rate(b.getValue("rateLimit"));
    JobMode mode = JobMode.parse(b.getString("mode", "pull"));
    if (mode != JobMode.SYNC) {
      for (String f : List.of("direction", "delete", "dryRun")) {
        if (b.containsKey(f)) {
          throw new IllegalArgumentException(f + " is for sync jobs; this job's mode is " + mode.label()
              + (mode == JobMode.PULL && !b.containsKey("mode") ? " (the default)" : ""));
        }
      }
    }
    boolean pushes = mode == JobMode.PUSH || "push".equals(b.getString("direction"));
    return new JobSpec(src[0], src[1], dst[0], dst[1], b.getInteger("lanes", DEFAULT_LANES),
        Compression.parse(b.getString("compression", "auto")), rate, b.getInteger("priority", 0), b.getString("label"),
        b.getString("sha256") == null ? null : b.getString("sha256").toLowerCase(Locale.ROOT), mode, pushes,
        b.getBoolean("delete", false), b.getBoolean("dryRun", false),
        BroadcastPart.fromJson(b.getJsonObject("broadcast")));
  }

  private static String[] split(String s, String what) {
    int colon = s.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(what + " must be NAME:PATH, got '" + s + "'");
    }
    return new String[] {s.substring(0, colon), s.substring(colon + 1)};
  }

  /** A rate limit: bytes per second as a number (0 = none) or a string like "800mbit". */
  static long rate(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof Number n) {
      if (n.longValue() < 0) {
        throw new IllegalArgumentException("rateLimit must be 0 (no limit) or more bytes per second");
      }
      return n.longValue();
    }
    String s = v.toString().trim();
    if (s.equals("0")) {
      return 0;
    }
    try {
      return Rates.parse(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("rateLimit: " + e.getMessage());
    }
  }

  private static int intParam(ValidatedRequest req, String name, int dflt) {
    RequestParameter p = req.getQuery().get(name);
    return p == null || p.isNull() ? dflt : p.getInteger();
  }

  private void reply(RoutingContext rc, Future<Job> f, int status) {
    f.onComplete(ar -> {
      try {
        if (ar.succeeded()) {
          json(rc, status, view(ar.result()));
        } else {
          fail(rc, ar.cause());
        }
      } catch (RuntimeException e) {
        rc.fail(e);
      }
    });
  }

  static void fail(RoutingContext rc, Throwable t) {
    if (t instanceof JobException e) {
      int status = switch (e.kind()) {
        case INVALID -> 400;
        case NOT_FOUND -> 404;
        case CONFLICT -> 409;
        case KEY_REUSED -> 422;
        case UNAVAILABLE -> 503;
      };
      Problem.send(rc, status, e.getMessage());
    } else if (t instanceof IllegalArgumentException) {
      Problem.send(rc, 400, t.getMessage());
    } else {
      rc.fail(t);
    }
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(body.encode());
  }

  /** The SHA-256 of {@code s} (UTF-8) in hex. */
  static String hash(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
