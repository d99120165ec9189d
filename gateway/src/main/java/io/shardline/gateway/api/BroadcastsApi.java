package io.shardline.gateway.api;

import io.shardline.engine.fanout.BroadcastPlan;
import io.shardline.gateway.auth.AuthHandler;
import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.http.Problem;
import io.shardline.gateway.job.BroadcastPart;
import io.shardline.gateway.job.JobException;
import io.shardline.gateway.job.JobService;
import io.shardline.gateway.job.JobSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code POST /api/v1/broadcasts} and {@code GET /api/v1/broadcasts/{id}}: one source to several
 * destinations (on several members of a cluster) through relays. A broadcast is planned here with
 * {@link BroadcastPlan} (a chain by default, the destinations in the order given: the first is fed
 * by the source, each next one by the one before; or a k-ary tree, or a star) and becomes one
 * ordinary job per destination, placed like any job by its destination, each carrying its
 * {@link BroadcastPart}: its member runs it as a relay that serves the destinations below it. A
 * lost relay is routed around by the engine (its children fail over to the hop above), and the
 * member that takes its job over relays again. The broadcast's view gathers its jobs from every
 * member.
 */
final class BroadcastsApi {
  static final String ORIGIN = "\0source";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final JobsApi jobsApi;
  private final ClusterForwarding forwarding;

  BroadcastsApi(JobsApi jobsApi, ClusterForwarding forwarding) {
    this.jobsApi = jobsApi;
    this.forwarding = forwarding;
  }

  void submit(RoutingContext rc) {
    ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    JsonObject body = req.getBody().getJsonObject();
    RequestParameter k = req.getHeaders().get("Idempotency-Key");
    String key = k == null || k.isNull() ? null : k.getString();
    Caller caller = AuthHandler.caller(rc);
    List<String> targets = body.getJsonArray("destinations").stream().map(String::valueOf).toList();
    BroadcastPlan plan;
    List<JsonObject> jobBodies = new ArrayList<>();
    String id = key == null ? "b-" + HexFormat.of().formatHex(bytes(8))
        : "b-" + JobsApi.hash(caller.name() + '\0' + key + '\0' + body.encode()).substring(0, 16);
    try {
      Set<String> seen = new HashSet<>();
      for (String t : targets) {
        if (!seen.add(t)) {
          throw new IllegalArgumentException("destination " + t + " is named twice");
        }
      }
      plan = plan(body.getString("shape", "chain"), body.getInteger("fanout", 2), targets);
      for (String t : targets) {
        List<String> ups = new ArrayList<>(plan.hop(t).upstreams());
        ups.remove(ORIGIN);
        JsonObject job = new JsonObject().put("source", body.getString("source")).put("destination", t)
            .put("broadcast", new BroadcastPart(id, t, ups, targets).toJson());
        for (String f : List.of("lanes", "compression", "rateLimit", "priority", "label")) {
          if (body.containsKey(f)) {
            job.put(f, body.getValue(f));
          }
        }
        jobsApi.check(JobsApi.spec(job)); // what a job's submission refuses, before any is made
        jobBodies.add(job);
      }
    } catch (IllegalArgumentException | JobException e) {
      JobsApi.fail(rc, e);
      return;
    }
    List<JsonObject> made = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < jobBodies.size(); i++) {
      JsonObject job = jobBodies.get(i);
      String jobKey = key == null ? null : key.length() > 120 ? JobsApi.hash(key).substring(0, 32) + "/" + i : key + "/" + i;
      chain = chain.compose(x -> forwarding.submit(rc, job, jobKey, () -> jobsApi.submit(JobsApi.spec(job), caller,
          jobKey).map(s -> jobsApi.view(s.job()))).map(v -> {
            made.add(v);
            return null;
          }));
    }
    chain.onComplete(ar -> {
      if (ar.failed()) {
        // a destination refused its job: the ones made so far are cancelled, so no half broadcast runs
        for (JsonObject v : made) {
          cancel(rc, v);
        }
        JobsApi.fail(rc, ar.cause());
        return;
      }
      rc.response().putHeader("Location", "/api/v1/broadcasts/" + id);
      JobsApi.json(rc, 201, view(id, body.getString("source"), plan, new JsonArray(new ArrayList<>(made)),
          new JsonArray()));
    });
  }

  /** Cancels a job of the broadcast wherever it is; a job that can no longer be cancelled is left as it is. */
  private Future<Void> cancel(RoutingContext rc, JsonObject view) {
    String id = view.getString("id");
    Future<?> f = view.getString("node") == null || view.getString("node").equals(jobsApi.node())
        ? jobsApi.cancel(id, AuthHandler.caller(rc)) : forwarding.cancel(rc, view.getString("node"), id);
    return f.<Void>mapEmpty().otherwiseEmpty();
  }

  /** {@code POST /api/v1/broadcasts/{id}/cancel}: cancels every job of the broadcast that has not ended; the view after. */
  void cancel(RoutingContext rc) {
    String id = rc.pathParam("id");
    forwarding.broadcastJobs(rc, id, () -> jobsApi.broadcastJobs(id)).compose(found -> {
      List<Future<Void>> cancels = new ArrayList<>();
      for (Object o : found.getJsonArray("jobs")) {
        JsonObject j = (JsonObject) o;
        if (!j.getBoolean("ended", false)) {
          cancels.add(cancel(rc, j));
        }
      }
      return Future.join(cancels).<Void>mapEmpty().otherwiseEmpty(); // each cancel already ignores its failure
    }).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else {
        get(rc);
      }
    });
  }

  void get(RoutingContext rc) {
    String id = rc.pathParam("id");
    forwarding.broadcastJobs(rc, id, () -> jobsApi.broadcastJobs(id)).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      JsonArray jobs = ar.result().getJsonArray("jobs");
      if (jobs.isEmpty()) {
        Problem.send(rc, 404, "no broadcast " + id + (ar.result().getJsonArray("unreachable").isEmpty() ? ""
            : " on the members that answered"));
        return;
      }
      JsonObject first = jobs.getJsonObject(0);
      JobsApi.json(rc, 200, view(id, first.getString("source"), null, jobs, ar.result().getJsonArray("unreachable")));
    });
  }

  /**
   * A broadcast's view: its state (running while any job runs or waits; succeeded when all have;
   * failed when all have ended and one did not succeed) and one entry per destination.
   */
  static JsonObject view(String id, String source, BroadcastPlan plan, JsonArray jobs, JsonArray unreachable) {
    JsonArray dests = new JsonArray();
    int succeeded = 0;
    int ended = 0;
    long done = 0;
    long total = 0;
    for (Object o : jobs) {
      JsonObject j = (JsonObject) o;
      JsonObject b = j.getJsonObject("broadcast", new JsonObject());
      dests.add(new JsonObject().put("target", b.getString("target", j.getString("destination")))
          .put("upstreams", b.getJsonArray("upstreams", new JsonArray())).put("job", j.getString("id"))
          .put("node", j.getString("node")).put("state", j.getString("state"))
          .put("bytesDone", j.getLong("bytesDone", 0L)).put("bytesTotal", j.getLong("bytesTotal", 0L))
          .put("percent", j.getValue("percent")).put("rate", j.getLong("rate", 0L))
          .put("error", j.getString("error")));
      succeeded += "succeeded".equals(j.getString("state")) ? 1 : 0;
      ended += j.getBoolean("ended", false) ? 1 : 0;
      done += j.getLong("bytesDone", 0L);
      total += j.getLong("bytesTotal", 0L);
    }
    String state = succeeded == jobs.size() ? "succeeded" : ended == jobs.size() ? "failed" : "running";
    JsonObject v = new JsonObject().put("id", id).put("source", source).put("state", state)
        .put("destinations", dests).put("succeeded", succeeded).put("bytesDone", done).put("bytesTotal", total)
        .put("unreachable", unreachable);
    if (plan != null) {
      v.put("shape", plan.shape().name().toLowerCase(Locale.ROOT));
    }
    return v;
  }

  /** The plan for the destinations in the order given (the first nearest the source). */
  static BroadcastPlan plan(String shape, int fanout, List<String> targets) {
    List<BroadcastPlan.Target> ts = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      // equal links; a rate falling with the position keeps the order given (the plan puts faster first)
      ts.add(new BroadcastPlan.Target(targets.get(i), targets.size() - i));
    }
    return switch (shape) {
      case "chain" -> BroadcastPlan.chain(ORIGIN, ts);
      case "star" -> BroadcastPlan.star(ORIGIN, ts);
      case "tree" -> BroadcastPlan.tree(ORIGIN, ts, fanout);
      default -> throw new IllegalArgumentException("shape must be chain, tree or star, got " + shape);
    };
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
