package io.shardline.gateway.api;

import io.shardline.gateway.auth.AuthHandler;
import io.shardline.gateway.cluster.GatewayCluster;
import io.shardline.gateway.http.Problem;
import io.shardline.gateway.job.JobException;
import io.shardline.gateway.job.JobService;
import io.shardline.gateway.job.JobSpec;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Makes a gateway cluster one API: a request about a job another member holds is forwarded to
 * that member's API (the caller's own token goes along, so the member that acts authenticates and
 * audits the caller itself; responses, event streams included, are piped back); a submission goes
 * to a member that has its destination, the least loaded first (an {@code Idempotency-Key} is
 * claimed cluster-wide first, so the same key reaches the same member); a listing gathers every
 * member's jobs. A forwarded request carries {@link #FORWARDED} and is always answered where it
 * lands, so nothing is forwarded twice. Without a cluster every handler runs as it is.
 */
public final class ClusterForwarding {
  /** Marks a request another member forwarded (its value: that member's name). */
  public static final String FORWARDED = "X-Shardline-Forwarded";
  /** Request headers a forwarded request keeps. */
  private static final List<CharSequence> REQUEST_HEADERS = List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE,
      HttpHeaders.ACCEPT, "Idempotency-Key", "Last-Event-ID");
  /** Response headers a forwarded answer keeps (the rest, security headers included, are this member's). */
  private static final List<CharSequence> RESPONSE_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.LOCATION,
      HttpHeaders.CACHE_CONTROL, "Idempotent-Replayed", "Retry-After");
  /** The largest page a member is asked for when a listing is gathered (the contract's limit). */
  static final int MAX_PAGE = 1000;
  /** A forwarded request (not an event stream) whose member sends nothing for this long gets 502. */
  static final long FORWARD_IDLE_TIMEOUT_MS = 10_000;
  /** Connections to one member at most (each forwarded event stream holds one). */
  static final int MAX_CONNECTIONS_PER_MEMBER = 256;

  /** Jobs whose holder is remembered as a hint for GETs, at most (then the hints start again). */
  static final int MAX_HINTS = 100_000;
  /**
   * How long a hint is used: a holder changes only by a takeover, after a lease has lapsed, and a
   * hint at most this old is checked by the answer anyway.
   */
  static final long HINT_NANOS = 1_000_000_000L;

  private final Supplier<GatewayCluster> cluster;
  private final JobService jobs;
  private final HttpClient client;
  /** job id -> the member the job map last named as its holder (see {@link #forJob}). */
  private final Map<String, Hint> holders = new ConcurrentHashMap<>();

  /** A job's holder as the job map named it at {@code at} ({@link System#nanoTime()}). */
  private record Hint(String node, long at) {}

  /**
   * @param cluster this member's cluster membership, or null (alone, or not joined yet)
   * @param apiTrust the PEM certificates a member's HTTPS API must present one of (the cluster's
   *     {@code apiCa}, else this gateway's own certificate), or null for the system's CAs
   */
  public ClusterForwarding(Vertx vertx, Supplier<GatewayCluster> cluster, JobService jobs, Path apiTrust) {
    this.cluster = cluster;
    this.jobs = jobs;
    HttpClientOptions o = new HttpClientOptions().setConnectTimeout(5000).setKeepAlive(true);
    if (apiTrust != null) {
      // Members are reached at the address they published (often an IP the certificate does not
      // name), so the check is the certificate itself, against this pinned set, not the host name.
      o.setTrustOptions(new PemTrustOptions().addCertPath(apiTrust.toString())).setVerifyHost(false);
    }
    // Event streams hold their connection while they last: room for many at once per member.
    this.client = vertx.createHttpClient(o, new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_MEMBER));
  }

  private static boolean forwarded(RoutingContext rc) {
    return rc.request().getHeader(FORWARDED) != null;
  }

  /**
   * Wraps the handler of a route about one job ({@code :id}): the member that holds the job
   * answers. A {@code GET} goes to the member the job map named as its holder when this member
   * read it less than {@link #HINT_NANOS} ago (a hint, kept here), since reading the map's entry
   * is a remote get: under load it bounded forwarded GETs to a few hundred a second. A hinted
   * member that answers 404 (it lost the job) or not at all is not taken at its word: the map is
   * read and the request sent where it says. Commands always read the map.
   */
  public Handler<RoutingContext> forJob(Handler<RoutingContext> local) {
    return rc -> {
      GatewayCluster c = cluster.get();
      String id = rc.pathParam("id");
      if (c == null || forwarded(rc) || id == null || jobs.holds(id)) {
        local.handle(rc);
        return;
      }
      Hint hint = rc.request().method() == HttpMethod.GET ? holders.get(id) : null;
      if (hint != null && System.nanoTime() - hint.at() < HINT_NANOS && !hint.node().equals(c.node())) {
        forward(rc, c, hint.node(), () -> lookUp(rc, c, id, local));
      } else {
        lookUp(rc, c, id, local);
      }
    };
  }

  /** Asks the job map (or, for a job no member recorded, the members) who holds the job, and sends the request there. */
  private void lookUp(RoutingContext rc, GatewayCluster c, String id, Handler<RoutingContext> local) {
    holders.remove(id);
    c.owner(id).compose(owner -> owner != null ? Future.succeededFuture(owner) : search(rc, c, id))
        .onComplete(ar -> {
          String owner = ar.succeeded() ? ar.result() : null;
          if (owner == null || owner.equals(c.node())) {
            local.handle(rc); // no member holds it: this one answers 404
          } else {
            if (holders.size() >= MAX_HINTS) {
              holders.clear();
            }
            holders.put(id, new Hint(owner, System.nanoTime()));
            forward(rc, c, owner, null);
          }
        });
  }

  /** A job no member recorded (from before the cluster): the member whose API knows it. */
  private Future<String> search(RoutingContext rc, GatewayCluster c, String id) {
    return c.memberInfos().compose(members -> {
      List<Future<String>> asks = new ArrayList<>();
      for (JsonObject m : members) {
        if (m.getString("node").equals(c.node())) {
          continue;
        }
        asks.add(client.request(options(rc, c, m.getString("api"), "api/v1/jobs/" + id, HttpMethod.GET))
            .compose(req -> req.send()).compose(resp -> resp.body().map(b -> resp.statusCode() == 200
                ? m.getString("node") : null)).otherwise((String) null));
      }
      return Future.join(asks).map(x -> asks.stream().map(Future::result).filter(n -> n != null).findFirst()
          .orElse(null));
    });
  }

  /** Wraps the submission handler: placement by destination and load, idempotency across members. */
  public Handler<RoutingContext> forSubmit(Handler<RoutingContext> local) {
    return rc -> {
      GatewayCluster c = cluster.get();
      if (c == null || forwarded(rc)) {
        local.handle(rc);
        return;
      }
      JsonObject body = rc.body().asJsonObject();
      chooseMember(c, JobSpec.localRootOf(body), rc.request().getHeader("Idempotency-Key"),
          AuthHandler.caller(rc).name()).onComplete(ar -> {
            if (ar.failed() || ar.result().equals(c.node())) {
              local.handle(rc);
            } else {
              forward(rc, c, ar.result(), null);
            }
          });
    };
  }

  /**
   * The member a submission for local root {@code destName} goes to: by {@link #place}, or the
   * member that claimed its Idempotency-Key first (when that member is still up).
   */
  private Future<String> chooseMember(GatewayCluster c, String destName, String key, String caller) {
    return c.members().compose(members -> {
      String chosen = place(members, destName, c.node());
      if (key == null) {
        return Future.succeededFuture(chosen);
      }
      String claim = claimKey(caller, key);
      return c.claim(claim, chosen).compose(owner -> live(members, owner) ? Future.succeededFuture(owner)
          // The key's member has left since: its job (if it was made) is gone with it, so the
          // key moves to the member chosen now, once, whichever member asks first.
          : c.reclaim(claim, owner, chosen));
    });
  }

  /**
   * Submits one job of a broadcast as the caller of {@code rc}: on the member its destination
   * places it on ({@code local} when that is this member or there is no cluster), with the
   * Idempotency-Key {@code key} (or none). The job's view, naming its member.
   */
  public Future<JsonObject> submit(RoutingContext rc, JsonObject body, String key, Supplier<Future<JsonObject>> local) {
    GatewayCluster c = cluster.get();
    if (c == null) {
      return local.get();
    }
    return chooseMember(c, JobSpec.localRootOf(body), key, AuthHandler.caller(rc).name()).compose(node -> {
      if (node.equals(c.node())) {
        return local.get();
      }
      return apiOf(c, node).compose(api -> {
        RequestOptions o = command(rc, c, api, "api/v1/jobs").putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (key != null) {
          o.putHeader("Idempotency-Key", key);
        }
        return client.request(o).compose(req -> req.send(body.toBuffer())).compose(resp -> resp.body().map(b -> {
          JsonObject answer = b.length() == 0 ? new JsonObject() : new JsonObject(b);
          if (resp.statusCode() != 201) {
            JobException.Kind kind = switch (resp.statusCode()) {
              case 400 -> JobException.Kind.INVALID;
              case 409 -> JobException.Kind.CONFLICT;
              case 422 -> JobException.Kind.KEY_REUSED;
              default -> JobException.Kind.UNAVAILABLE;
            };
            throw new JobException(kind, node + ": " + answer.getString("detail", "answered " + resp.statusCode()));
          }
          return answer.put("node", node);
        }));
      });
    });
  }

  /** The cluster-wide name of a caller's Idempotency-Key. */
  public static String claimKey(String caller, String key) {
    return caller + '\0' + key;
  }

  /**
   * Where a job for destination {@code dest} runs: among the members that are up and have it, the
   * one with the fewest running and queued jobs (this member on a tie, then by name); this member
   * when none has it (its validation then names the problem).
   */
  static String place(JsonArray members, String dest, String self) {
    JsonObject best = null;
    for (Object o : members) {
      JsonObject m = (JsonObject) o;
      if (!"up".equals(m.getString("state")) || !m.getJsonArray("destinations", new JsonArray()).contains(dest)) {
        continue;
      }
      if (best == null || load(m) < load(best) || (load(m) == load(best) && rank(m, self).compareTo(rank(best, self)) < 0)) {
        best = m;
      }
    }
    return best == null ? self : best.getString("node");
  }

  private static boolean live(JsonArray members, String node) {
    for (Object o : members) {
      if (node.equals(((JsonObject) o).getString("node"))) {
        return true;
      }
    }
    return false;
  }

  private static int load(JsonObject m) {
    return m.getJsonArray("runningJobs", new JsonArray()).size() + m.getInteger("queuedJobs", 0);
  }

  private static String rank(JsonObject m, String self) {
    return (m.getString("node").equals(self) ? "0" : "1") + m.getString("node");
  }

  /** Wraps the listing: every member's jobs, newest first, each naming its member. */
  public Handler<RoutingContext> forList(Handler<RoutingContext> local) {
    return rc -> {
      GatewayCluster c = cluster.get();
      if (c == null || forwarded(rc)) {
        local.handle(rc);
        return;
      }
      String state = rc.request().getParam("state");
      String broadcast = rc.request().getParam("broadcast");
      int offset = rc.request().getParam("offset") == null ? 0 : Integer.parseInt(rc.request().getParam("offset"));
      int limit = rc.request().getParam("limit") == null ? 100 : Integer.parseInt(rc.request().getParam("limit"));
      int window = (int) Math.min(MAX_PAGE, (long) offset + limit);
      String query = "api/v1/jobs?offset=0&limit=" + window + (state == null ? "" : "&state=" + state)
          + (broadcast == null ? "" : "&broadcast=" + URLEncoder.encode(broadcast, StandardCharsets.UTF_8));
      pages(rc, c, query).onComplete(ar -> {
        if (ar.failed()) {
          rc.fail(ar.cause());
          return;
        }
        List<JsonObject> all = new ArrayList<>();
        long total = 0;
        JsonArray unreachable = new JsonArray();
        for (JsonObject page : ar.result()) {
          if (page.containsKey("unreachable")) {
            unreachable.add(new JsonObject().put("node", page.getString("node")).put("error", page.getString("unreachable")));
            continue;
          }
          total += page.getLong("total", 0L);
          String node = page.getString("node");
          page.getJsonArray("jobs", new JsonArray()).forEach(j -> all.add(((JsonObject) j).put("node", node)));
        }
        all.sort(Comparator.comparing((JsonObject j) -> Instant.parse(j.getString("createdAt"))).reversed()
            .thenComparing(j -> j.getString("id")));
        JsonArray page = new JsonArray();
        for (int i = offset; i < Math.min(all.size(), offset + limit); i++) {
          page.add(all.get(i));
        }
        JobsApi.json(rc, 200, new JsonObject().put("jobs", page).put("total", total).put("offset", offset)
            .put("limit", limit).put("unreachable", unreachable));
      });
    };
  }

  /** Cancels job {@code id} on member {@code node}, as the caller of {@code rc}: the member's status code. */
  public Future<Integer> cancel(RoutingContext rc, String node, String id) {
    GatewayCluster c = cluster.get();
    if (c == null) {
      return Future.failedFuture(new IllegalStateException("not in a cluster"));
    }
    return apiOf(c, node).compose(api -> client.request(command(rc, c, api, "api/v1/jobs/" + id + "/cancel")))
        .compose(req -> req.send()).compose(resp -> resp.body().map(b -> resp.statusCode()));
  }

  /** Where {@code node}'s API is; failed (UNAVAILABLE) when it has left the cluster. */
  private static Future<String> apiOf(GatewayCluster c, String node) {
    return c.memberInfos().compose(members -> members.stream().filter(m -> node.equals(m.getString("node")))
        .map(m -> Future.succeededFuture(m.getString("api"))).findFirst()
        .orElseGet(() -> Future.failedFuture(new JobException(JobException.Kind.UNAVAILABLE, "member " + node
            + " has left the cluster"))));
  }

  /** A POST this member makes itself to another's API ({@code path} under it), as the caller of {@code rc}. */
  private static RequestOptions command(RoutingContext rc, GatewayCluster c, String api, String path) {
    return new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(api + path).putHeader(FORWARDED, c.node())
        .putHeader(HttpHeaders.AUTHORIZATION, rc.request().getHeader(HttpHeaders.AUTHORIZATION))
        .setIdleTimeout(FORWARD_IDLE_TIMEOUT_MS);
  }

  /**
   * Every member's answer to the listing {@code query}, each naming its member; a member that did
   * not answer gives {@code {"node", "unreachable"}} instead.
   */
  private Future<List<JsonObject>> pages(RoutingContext rc, GatewayCluster c, String query) {
    return c.memberInfos().compose(members -> {
      List<Future<JsonObject>> pages = new ArrayList<>();
      for (JsonObject m : members) {
        String node = m.getString("node");
        pages.add(client.request(options(rc, c, m.getString("api"), query, HttpMethod.GET))
            .compose(req -> req.send()).compose(resp -> resp.body().map(b -> {
              if (resp.statusCode() != 200) {
                throw new IllegalStateException(node + " answered " + resp.statusCode());
              }
              return new JsonObject(b).put("node", node);
            })).otherwise(t -> new JsonObject().put("node", node).put("unreachable", t.getMessage())));
      }
      return Future.join(pages).map(x -> pages.stream().map(Future::result).toList());
    });
  }

  /**
   * The jobs of broadcast {@code id} on every member (each naming its member), and the members
   * that did not answer; {@code local} alone without a cluster.
   */
  public Future<JsonObject> broadcastJobs(RoutingContext rc, String id, Supplier<JsonArray> local) {
    GatewayCluster c = cluster.get();
    if (c == null) {
      return Future.succeededFuture(new JsonObject().put("jobs", local.get()).put("unreachable", new JsonArray()));
    }
    String query = "api/v1/jobs?offset=0&limit=" + MAX_PAGE + "&broadcast="
        + URLEncoder.encode(id, StandardCharsets.UTF_8);
    return pages(rc, c, query).map(pages -> {
      JsonArray jobs = new JsonArray();
      JsonArray unreachable = new JsonArray();
      for (JsonObject page : pages) {
        if (page.containsKey("unreachable")) {
          unreachable.add(new JsonObject().put("node", page.getString("node")).put("error", page.getString("unreachable")));
        } else {
          page.getJsonArray("jobs", new JsonArray()).forEach(j -> jobs.add(((JsonObject) j).put("node", page.getString("node"))));
        }
      }
      return new JsonObject().put("jobs", jobs).put("unreachable", unreachable);
    });
  }

  private RequestOptions options(RoutingContext rc, GatewayCluster c, String api, String pathAndQuery,
      HttpMethod method) {
    RequestOptions o = new RequestOptions().setMethod(method).setAbsoluteURI(api + pathAndQuery)
        .putHeader(FORWARDED, c.node());
    for (CharSequence h : REQUEST_HEADERS) {
      String v = rc.request().getHeader(h);
      if (v != null) {
        o.putHeader(h, v);
      }
    }
    return o;
  }

  /**
   * Sends the request to {@code node}'s API as it came, and pipes the answer back (streams stay
   * streams). With {@code otherwise}, a 404 or no answer runs it instead of being relayed.
   */
  private void forward(RoutingContext rc, GatewayCluster c, String node, Runnable otherwise) {
    apiOf(c, node).compose(api -> {
      String uri = rc.request().uri();
      RequestOptions o = options(rc, c, api, uri.startsWith("/") ? uri.substring(1) : uri, rc.request().method());
      if (!rc.request().path().endsWith("/events")) {
        // a member that accepts connections but does not answer (frozen, overloaded) gets a 502, not a hang
        o.setIdleTimeout(FORWARD_IDLE_TIMEOUT_MS);
      }
      Buffer body = rc.body() == null ? null : rc.body().buffer();
      return client.request(o).compose(req -> body == null || body.length() == 0 ? req.send() : req.send(body));
    }).onComplete(ar -> {
      if (otherwise != null && (ar.failed() || ar.result().statusCode() == 404)) {
        if (ar.failed()) {
          otherwise.run();
        } else {
          ar.result().body().onComplete(x -> otherwise.run()); // read to its end: the connection is reused
        }
        return;
      }
      if (ar.failed()) {
        Problem.send(rc, 502, "the job's gateway " + node + " did not answer: " + ar.cause().getMessage());
        return;
      }
      relay(rc, ar.result(), node);
    });
  }

  private static void relay(RoutingContext rc, HttpClientResponse resp, String node) {
    var out = rc.response().setStatusCode(resp.statusCode()).putHeader("X-Shardline-Node", node);
    for (CharSequence h : RESPONSE_HEADERS) {
      String v = resp.getHeader(h);
      if (v != null) {
        out.putHeader(h, v);
      }
    }
    String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      out.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else {
      out.setChunked(true);
    }
    out.closeHandler(v -> resp.request().reset()); // the caller went away: so does the upstream stream
    resp.pipeTo(out);
  }
}
