package io.shardline.gateway.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.shardline.gateway.testutil.GatewayHarness.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint of the jobs API, and every error it promises, against a real node and gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class JobsApiTest {
  static final String OP = GatewayHarness.OPERATOR;
  static final String VIEW = GatewayHarness.VIEWER;

  Path tmp;
  GatewayHarness h;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    h = new GatewayHarness(tmp);
    GatewayHarness.file(h.source.resolve("small/a.bin"), 300_000, 1);
    GatewayHarness.file(h.source.resolve("small/b.bin"), 70_000, 2);
    GatewayHarness.file(h.source.resolve("big/c.bin"), 64_000_000, 3);
    h.startNode(o -> { }).startGateway(c -> c.put("maxRunningJobs", 2));
  }

  @AfterAll
  void stop() throws Exception {
    h.close();
  }

  static JsonObject job(String src, String dst) {
    return new JsonObject().put("source", src).put("destination", dst);
  }

  @Test
  void submitRunsTheJobToAVerifiedCopy() throws Exception {
    Response r = h.call("POST", "/api/v1/jobs", OP, job("ckpt:small", "local:t1").put("label", "first").encode());
    assertEquals(201, r.status(), r.body());
    JsonObject j = r.json();
    assertEquals("/api/v1/jobs/" + j.getString("id"), r.header("Location"));
    assertEquals("alice", j.getString("submittedBy"));
    assertEquals("first", j.getString("label"));
    JsonObject done = h.awaitState(j.getString("id"), "succeeded", Duration.ofSeconds(30));
    assertEquals(370_000, done.getLong("bytesDone"));
    assertEquals(370_000, done.getLong("bytesTotal"));
    assertEquals(2, done.getInteger("filesDone"));
    assertEquals(100.0, done.getDouble("percent"));
    assertEquals(2, done.getJsonObject("digests").size());
    assertArrayEquals(Files.readAllBytes(h.source.resolve("small/a.bin")), Files.readAllBytes(h.dest.resolve("t1/a.bin")));
    assertArrayEquals(Files.readAllBytes(h.source.resolve("small/b.bin")), Files.readAllBytes(h.dest.resolve("t1/b.bin")));
  }

  @Test
  void idempotentSubmissionReturnsTheSameJob() throws Exception {
    String body = job("ckpt:small", "local:idem").encode();
    Response a = h.call("POST", "/api/v1/jobs", OP, body, "Idempotency-Key", "key-1");
    Response b = h.call("POST", "/api/v1/jobs", OP, body, "Idempotency-Key", "key-1");
    assertEquals(201, a.status(), a.body());
    assertEquals(201, b.status(), b.body());
    assertEquals(a.json().getString("id"), b.json().getString("id"));
    assertEquals("true", b.header("Idempotent-Replayed"));
    long same = h.call("GET", "/api/v1/jobs?limit=1000", VIEW, null).json().getJsonArray("jobs").stream()
        .filter(o -> ((JsonObject) o).getString("destination").equals("local:idem")).count();
    assertEquals(1, same);
    Response other = h.call("POST", "/api/v1/jobs", OP, job("ckpt:small", "local:idem2").encode(), "Idempotency-Key", "key-1");
    assertProblem(other, 422, "key-1");
    Response fresh = h.call("POST", "/api/v1/jobs", OP, body, "Idempotency-Key", "key-2");
    assertNotEquals(a.json().getString("id"), fresh.json().getString("id"));
  }

  @Test
  void listFiltersByStateAndPages() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(h.submit(job("ckpt:small", "local:list" + i)).getString("id"));
    }
    for (String id : ids) {
      h.awaitState(id, "succeeded", Duration.ofSeconds(30));
    }
    JsonObject page = h.call("GET", "/api/v1/jobs?state=succeeded&limit=2&offset=0", VIEW, null).json();
    assertEquals(2, page.getJsonArray("jobs").size());
    assertTrue(page.getInteger("total") >= 3);
    assertEquals(ids.get(2), page.getJsonArray("jobs").getJsonObject(0).getString("id"), "newest first");
    JsonObject next = h.call("GET", "/api/v1/jobs?state=succeeded&limit=2&offset=1", VIEW, null).json();
    assertEquals(ids.get(1), next.getJsonArray("jobs").getJsonObject(0).getString("id"));
    for (Object o : h.call("GET", "/api/v1/jobs?state=queued", VIEW, null).json().getJsonArray("jobs")) {
      assertEquals("queued", ((JsonObject) o).getString("state"));
    }
    assertProblem(h.call("GET", "/api/v1/jobs?state=bogus", VIEW, null), 400, "state");
    assertProblem(h.call("GET", "/api/v1/jobs?limit=0", VIEW, null), 400, "limit");
    // GET jobs/{id} and jobs/{id}/log check their path against the contract on the event loop
    // (PathParameterCheck), with the contract's own messages; jobs/{id}/events is Vert.x OpenAPI's
    for (String path : List.of("/api/v1/jobs/", "/api/v1/jobs/%s/log", "/api/v1/jobs/%s/events")) {
      String bad = path.contains("%s") ? path.formatted("bad!id") : path + "bad!id";
      String tooLong = path.contains("%s") ? path.formatted("a".repeat(65)) : path + "a".repeat(65);
      assertProblem(h.call("GET", bad, VIEW, null), 400, "the request does not match the API contract");
      assertProblem(h.call("GET", tooLong, VIEW, null), 400, "the request does not match the API contract");
    }
    assertProblem(h.call("GET", "/api/v1/jobs/" + "a".repeat(64), VIEW, null), 404, "");
    assertProblem(h.call("GET", "/api/v1/jobs/" + ids.get(0), null, null), 401, "");
    assertEquals(200, h.call("GET", "/api/v1/jobs/" + ids.get(0), VIEW, null).status());
    assertEquals(200, h.call("GET", "/api/v1/jobs/" + ids.get(0) + "/log", VIEW, null).status());
  }

  @Test
  void pauseResumeRateChangeAndCancel() throws Exception {
    // 64 MB at 1 MB/s: a limit lets a chunk per lane through at once (4 lanes x 4 MiB, and the
    // reader's burst), the rest takes a minute: ample time to act on it while it runs
    String id = h.submit(job("ckpt:big", "local:prc").put("rateLimit", 1_000_000)).getString("id");
    h.awaitState(id, "running", Duration.ofSeconds(10));
    assertProblem(h.call("POST", "/api/v1/jobs/" + id + "/resume", OP, null), 409, "running");
    assertEquals("paused", h.call("POST", "/api/v1/jobs/" + id + "/pause", OP, null).json().getString("state"));
    assertProblem(h.call("POST", "/api/v1/jobs/" + id + "/pause", OP, null), 409, "paused");
    String resumed = h.call("POST", "/api/v1/jobs/" + id + "/resume", OP, null).json().getString("state");
    assertTrue(resumed.equals("queued") || resumed.equals("running"), resumed); // the runner may start it at once
    h.awaitState(id, "running", Duration.ofSeconds(10));
    Response patched = h.call("PATCH", "/api/v1/jobs/" + id, OP, new JsonObject().put("rateLimit", "400mbit").encode());
    assertEquals(200, patched.status(), patched.body());
    assertEquals(50_000_000, patched.json().getLong("rateLimit"));
    JsonObject done = h.awaitState(id, "succeeded", Duration.ofSeconds(30));
    assertTrue(done.getInteger("attempts") >= 2, done.encode());
    assertArrayEquals(Files.readAllBytes(h.source.resolve("big/c.bin")), Files.readAllBytes(h.dest.resolve("prc/c.bin")));
    assertProblem(h.call("POST", "/api/v1/jobs/" + id + "/cancel", OP, null), 409, "succeeded");
    assertProblem(h.call("PATCH", "/api/v1/jobs/" + id, OP, new JsonObject().put("rateLimit", 1).encode()), 409, "succeeded");

    String slow = h.submit(job("ckpt:big", "local:cancelled").put("rateLimit", 500_000)).getString("id");
    h.awaitState(slow, "running", Duration.ofSeconds(10));
    assertEquals("cancelled", h.call("POST", "/api/v1/jobs/" + slow + "/cancel", OP, null).json().getString("state"));
    Thread.sleep(500);
    assertFalse(Files.exists(h.dest.resolve("cancelled/c.bin")), "a cancelled job publishes nothing partial");
    List<String> types = new ArrayList<>();
    for (Object o : h.call("GET", "/api/v1/jobs/" + slow + "/log", VIEW, null).json().getJsonArray("events")) {
      types.add(((JsonObject) o).getString("type"));
    }
    assertEquals(List.of("submitted", "started", "cancelled", "attempt-ended"), types);
  }

  /** What a job in each state accepts: the spec of each job's {@code actions}, and of the 409s. */
  static final Map<String, List<String>> ACTIONS = Map.of(
      "queued", List.of("pause", "cancel", "rate"),
      "running", List.of("pause", "cancel", "rate"),
      "paused", List.of("resume", "cancel", "rate"),
      "failed", List.of("resume", "cancel"),
      "succeeded", List.of(),
      "cancelled", List.of());

  @Test
  void actionsAreWhatTheJobAccepts() throws Exception {
    // two slow jobs fill the two running slots, so a third waits in the queue
    String a = h.submit(job("ckpt:big", "local:act-a").put("rateLimit", 500_000)).getString("id");
    String b = h.submit(job("ckpt:big", "local:act-b").put("rateLimit", 500_000)).getString("id");
    assertOffers(h.awaitState(a, "running", Duration.ofSeconds(10)), "running");
    h.awaitState(b, "running", Duration.ofSeconds(10));
    refusesTheRest(a, "running");
    String c = h.submit(job("ckpt:small", "local:act-c")).getString("id");
    assertOffers(h.call("GET", "/api/v1/jobs/" + c, VIEW, null).json(), "queued");
    refusesTheRest(c, "queued");
    for (Object o : h.call("GET", "/api/v1/jobs?state=queued", VIEW, null).json().getJsonArray("jobs")) {
      assertOffers((JsonObject) o, "queued"); // the list carries them too
    }

    JsonObject paused = h.call("POST", "/api/v1/jobs/" + a + "/pause", OP, null).json();
    assertOffers(paused, "paused");
    refusesTheRest(a, "paused");
    assertOffers(h.call("POST", "/api/v1/jobs/" + a + "/cancel", OP, null).json(), "cancelled");
    refusesTheRest(a, "cancelled");
    assertOffers(h.call("POST", "/api/v1/jobs/" + b + "/cancel", OP, null).json(), "cancelled");
    assertOffers(h.awaitState(c, "succeeded", Duration.ofSeconds(30)), "succeeded");
    refusesTheRest(c, "succeeded");

    // a source the node does not have: the job fails, and can be retried or cancelled
    String f = h.submit(job("ckpt:no-such-folder", "local:act-f")).getString("id");
    assertOffers(h.awaitState(f, "failed", Duration.ofSeconds(30)), "failed");
    refusesTheRest(f, "failed");
    assertOffers(h.call("POST", "/api/v1/jobs/" + f + "/cancel", OP, null).json(), "cancelled");
  }

  /** The job's {@code actions} are those of its state, and {@code ended} says whether it is done running. */
  static void assertOffers(JsonObject job, String state) {
    assertEquals(state, job.getString("state"), job.encode());
    assertEquals(new JsonArray(ACTIONS.get(state)), job.getJsonArray("actions"), job.encode());
    assertEquals(Boolean.valueOf(List.of("succeeded", "failed", "cancelled").contains(state)), job.getBoolean("ended"),
        job.encode());
  }

  /** Every action a job in {@code state} does not list is refused with 409, naming that state. */
  void refusesTheRest(String id, String state) throws Exception {
    for (String action : List.of("pause", "resume", "cancel", "rate")) {
      if (ACTIONS.get(state).contains(action)) {
        continue;
      }
      Response r = action.equals("rate")
          ? h.call("PATCH", "/api/v1/jobs/" + id, OP, new JsonObject().put("rateLimit", 1_000_000).encode())
          : h.call("POST", "/api/v1/jobs/" + id + "/" + action, OP, null);
      assertProblem(r, 409, state);
    }
  }

  @Test
  void logIsTheAuditTrail() throws Exception {
    String id = h.submit(job("ckpt:small", "local:log")).getString("id");
    h.awaitState(id, "succeeded", Duration.ofSeconds(30));
    JsonArray ev = h.call("GET", "/api/v1/jobs/" + id + "/log", VIEW, null).json().getJsonArray("events");
    assertEquals("submitted", ev.getJsonObject(0).getString("type"));
    assertEquals("alice", ev.getJsonObject(0).getString("actor"));
    JsonObject last = ev.getJsonObject(ev.size() - 1);
    assertEquals("succeeded", last.getString("type"));
    assertEquals(2, last.getJsonObject("data").getJsonObject("digests").size());
    assertTrue(last.getJsonObject("data").getBoolean("verified"));
  }

  @Test
  void errorsAreProblemJson() throws Exception {
    String id = h.submit(job("ckpt:small", "local:errs")).getString("id");
    // 401: no token, a wrong token, another scheme
    assertProblem(h.call("GET", "/api/v1/jobs", null, null), 401, "Bearer");
    assertProblem(h.call("GET", "/api/v1/jobs", "wrong-token-123", null), 401, "not valid");
    assertProblem(h.call("GET", "/metrics", null, null), 401, "Bearer");
    // 403: a viewer mutating, every mutation
    assertProblem(h.call("POST", "/api/v1/jobs", VIEW, job("ckpt:small", "local:v").encode()), 403, "viewer");
    for (String action : List.of("cancel", "pause", "resume")) {
      assertProblem(h.call("POST", "/api/v1/jobs/" + id + "/" + action, VIEW, null), 403, "viewer");
    }
    assertProblem(h.call("PATCH", "/api/v1/jobs/" + id, VIEW, "{\"rateLimit\":1}"), 403, "viewer");
    // 400: the contract (missing field, unknown field, wrong type, out of range, bad JSON) ...
    assertProblem(h.call("POST", "/api/v1/jobs", OP, "{\"source\":\"ckpt:small\"}"), 400, "destination");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:a", "local:b").put("bogus", 1).encode()), 400, "contract");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:a", "local:b").put("lanes", "four").encode()), 400, "contract");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:a", "local:b").put("lanes", 65).encode()), 400, "contract");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:a", "local:b").put("compression", "lz4").encode()), 400, "contract");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, "{not json"), 400, "");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("nocolon", "local:b").encode()), 400, "contract");
    // ... and the config: unknown names, paths escaping their root
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("nope:x", "local:b").encode()), 400, "unknown remote 'nope'");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:x", "elsewhere:b").encode()), 400, "unknown destination");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:x", "local:../escape").encode()), 400, "not allowed");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:x", "local:a/../../escape").encode()), 400, "not allowed");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:x", "local:/etc").encode()), 400, "relative");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:../x", "local:b").encode()), 400, "not allowed");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:x", "local:a\u0000b").encode()), 400, "");
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:x", "local:b").put("rateLimit", "fast").encode()), 400, "");
    Files.createDirectories(h.dest);
    Files.createSymbolicLink(h.dest.resolve("link-out"), tmp);
    assertProblem(h.call("POST", "/api/v1/jobs", OP, job("ckpt:x", "local:link-out/x").encode()), 400, "outside");
    // 404
    assertProblem(h.call("GET", "/api/v1/jobs/no-such-job", VIEW, null), 404, "no-such-job");
    assertProblem(h.call("POST", "/api/v1/jobs/no-such-job/cancel", OP, null), 404, "no-such-job");
    assertProblem(h.call("GET", "/api/v1/nothing-here", VIEW, null), 404, "");
    // 413
    String huge = job("ckpt:x", "local:b").put("label", "x".repeat(100_000)).encode();
    assertProblem(h.call("POST", "/api/v1/jobs", OP, huge), 413, "larger");
    // the gateway still works after all that
    h.awaitState(id, "succeeded", Duration.ofSeconds(30));
  }

  @Test
  void meTellsTheCallersNameAndRole() throws Exception {
    assertEquals(new JsonObject().put("name", "alice").put("role", "operator"), h.call("GET", "/api/v1/me", OP, null).json());
    assertEquals(new JsonObject().put("name", "bob").put("role", "viewer"), h.call("GET", "/api/v1/me", VIEW, null).json());
    assertProblem(h.call("GET", "/api/v1/me", null, null), 401, "Bearer");
  }

  @Test
  void healthReadyContractAndPage() throws Exception {
    assertEquals(200, h.call("GET", "/health", null, null).status());
    assertEquals(200, h.call("GET", "/ready", null, null).status());
    Response contract = h.call("GET", "/api/v1/openapi.yaml", null, null);
    assertEquals(200, contract.status());
    assertTrue(contract.body().startsWith("openapi: 3.1.0"), contract.body());
    Response metrics = h.call("GET", "/metrics", VIEW, null);
    assertEquals(200, metrics.status());
    assertTrue(metrics.body().contains("shardline_jobs{state=\"queued\"}"), metrics.body());
    assertTrue(metrics.body().contains("http_server_requests_seconds"), metrics.body());
  }

  @Test
  void thePageIsModulesWithNothingInline() throws Exception {
    Response page = h.call("GET", "/", null, null);
    assertEquals(200, page.status());
    assertTrue(page.header("Content-Type").startsWith("text/html"), page.header("Content-Type"));
    String html = page.body();
    // a Content-Security-Policy of script-src 'self' and style-src 'self' leaves all of it working
    assertEquals(List.of("<script type=\"module\" src=\"app.js\">"), matches("<script[^>]*>", html), "one module, no inline script");
    assertEquals(List.of(), matches("(?i)\\s(on[a-z]+|style)\\s*=", html), "no inline handlers or style attributes");
    assertEquals(List.of(), matches("(?i)<style|javascript:", html), "no inline style sheet or javascript: URL");
    assertTrue(h.call("GET", "/app.css", null, null).header("Content-Type").startsWith("text/css"));
    // every module app.js imports, and theirs, is served as JavaScript (browsers refuse modules otherwise)
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of("app.js"));
    java.util.Set<String> seen = new java.util.TreeSet<>();
    while (!todo.isEmpty() && seen.size() < 50) {
      String file = todo.pop();
      if (!seen.add(file)) {
        continue;
      }
      Response js = h.call("GET", "/" + file, null, null);
      assertEquals(200, js.status(), file);
      assertTrue(js.header("Content-Type").startsWith("text/javascript"), file + ": " + js.header("Content-Type"));
      for (String imported : matches("(?<=from '\\./)[a-z]+\\.js(?=')", js.body())) {
        todo.push(imported);
      }
      assertEquals(List.of(), matches("\\b(ENDED|ACTIONS)\\b", js.body()), file + " has no job state table of its own");
    }
    assertEquals(java.util.Set.of("api.js", "app.js", "broadcasts.js", "chart.js", "cluster.js", "dom.js", "form.js",
        "format.js", "jobs.js", "series.js", "sse.js", "tree.js"),
        seen);
  }

  static List<String> matches(String regex, String text) {
    List<String> found = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
    while (m.find()) {
      found.add(m.group());
    }
    return found;
  }

  static void assertProblem(Response r, int status, String detailPart) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.header("Content-Type"));
    JsonObject p = r.json();
    assertEquals(status, p.getInteger("status"));
    assertNotNull(p.getString("title"));
    assertNotNull(p.getString("type"));
    assertTrue(p.getString("detail").contains(detailPart), "detail '" + p.getString("detail") + "' lacks '" + detailPart + "'");
  }
}
