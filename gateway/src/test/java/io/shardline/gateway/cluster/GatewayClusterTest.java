package io.shardline.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.GatewayServer;
import io.shardline.gateway.config.GatewayConfig;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateways on 127.0.0.1 form one cluster on Vert.x's Hazelcast cluster manager (TCP-IP
 * join, members listed one by one): each lists every member with its destinations and running
 * jobs, a member that stops leaves every view, and a second member with a taken name is refused.
 */
@Timeout(240)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayClusterTest {
  Path tmp;
  GatewayHarness h;
  final Map<String, GatewayServer> gateways = new LinkedHashMap<>();
  final Map<String, Integer> apiPorts = new LinkedHashMap<>();
  final List<Integer> clusterPorts = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    h = new GatewayHarness(tmp);
    GatewayHarness.file(h.source.resolve("big/c.bin"), 32_000_000, 3);
    // Slow jobs: socket buffers of 4 lanes take tens of MB before a rate limit bites.
    GatewayHarness.file(h.source.resolve("huge/d.bin"), 160_000_000, 4);
    h.startNode(o -> { });
    for (int i = 0; i < 3; i++) {
      clusterPorts.add(freePort());
    }
    startMember("gw-a", clusterPorts.get(0), List.of("local", "shared"));
    startMember("gw-b", clusterPorts.get(1), List.of("shared"));
    startMember("gw-c", clusterPorts.get(2), List.of("other"));
  }

  @AfterAll
  void stop() throws Exception {
    for (GatewayServer g : gateways.values()) {
      GatewayHarness.await(g.stop());
    }
    h.close();
  }

  private GatewayServer startMember(String node, int clusterPort, List<String> destinations) throws Exception {
    JsonObject dests = new JsonObject();
    for (String d : destinations) {
      dests.put(d, tmp.resolve("dest-" + node + "-" + d).toString());
    }
    JsonObject c = h.memberConfig(tmp, node, node + "-" + clusterPort, dests, clusterPort, clusterPorts);
    GatewayServer g = new GatewayServer(h.vertx, GatewayConfig.parse(c, tmp));
    GatewayServer.Info info = GatewayHarness.await(g.start());
    gateways.put(node, g);
    apiPorts.put(node, info.port());
    return g;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  JsonObject get(String node, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get(node) + path))
        .header("Authorization", "Bearer " + GatewayHarness.VIEWER).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  /** Polls {@code node}'s cluster view until {@code until} holds (Hazelcast tells members apart in its own time). */
  JsonObject awaitView(String node, Predicate<JsonObject> until) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonObject v = null;
    while (System.nanoTime() < deadline) {
      v = get(node, "/api/v1/cluster");
      if (until.test(v)) {
        return v;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(node + "'s view never became what was expected: " + v);
  }

  static List<String> names(JsonObject view) {
    List<String> n = new ArrayList<>();
    view.getJsonArray("members").forEach(m -> n.add(((JsonObject) m).getString("node")));
    return n;
  }

  static JsonObject member(JsonObject view, String node) {
    for (Object m : view.getJsonArray("members")) {
      if (node.equals(((JsonObject) m).getString("node"))) {
        return (JsonObject) m;
      }
    }
    throw new AssertionError(node + " is not in " + view);
  }

  @Test
  void everyMemberListsEveryMemberWithItsDestinationsAndState() throws Exception {
    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      JsonObject v = awaitView(node, x -> names(x).size() == 3);
      assertTrue(v.getBoolean("clustered"));
      assertEquals(node, v.getString("node"));
      assertEquals(List.of("gw-a", "gw-b", "gw-c"), names(v), "by name");
      for (String other : List.of("gw-a", "gw-b", "gw-c")) {
        JsonObject m = member(v, other);
        assertEquals("up", m.getString("state"), m.encode());
        assertEquals(other.equals(node), m.getBoolean("self"), m.encode());
        assertEquals("http://127.0.0.1:" + apiPorts.get(other) + "/", m.getString("api"));
      }
      assertEquals(new JsonArray().add("local").add("shared"), member(v, "gw-a").getJsonArray("destinations"));
      assertEquals(new JsonArray().add("shared"), member(v, "gw-b").getJsonArray("destinations"));
      assertEquals(new JsonArray().add("other"), member(v, "gw-c").getJsonArray("destinations"));
    }
  }

  @Test
  void aJobRunningOnOneMemberShowsInEveryMembersView() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get("gw-a")
            + "/api/v1/jobs")).header("Authorization", "Bearer " + GatewayHarness.OPERATOR)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("source", "ckpt:big").put("destination", "local:slow").put("rateLimit", 1_000_000).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    String id = new JsonObject(r.body()).getString("id");
    JsonObject fromC = awaitView("gw-c", v -> names(v).contains("gw-a")
        && member(v, "gw-a").getJsonArray("runningJobs", new JsonArray()).contains(id));
    assertFalse(member(fromC, "gw-c").getJsonArray("runningJobs").contains(id), "it runs on gw-a only");
    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get("gw-a") + "/api/v1/jobs/" + id
            + "/cancel")).header("Authorization", "Bearer " + GatewayHarness.OPERATOR)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aSecondMemberWithATakenNameIsRefusedAndAStoppedMemberLeavesEveryView() throws Exception {
    awaitView("gw-a", v -> names(v).size() == 3);
    int port = freePort();
    clusterPorts.add(port);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> startMember("gw-b", port, List.of("x")));
    assertTrue(e.getMessage().contains("already named 'gw-b'"), e.getMessage());
    clusterPorts.remove(Integer.valueOf(port));

    int late = freePort();
    clusterPorts.add(late);
    startMember("gw-d", late, List.of("late"));
    JsonObject seen = awaitView("gw-d", v -> names(v).size() == 4);
    assertEquals(List.of("gw-a", "gw-b", "gw-c", "gw-d"), names(seen), "a member that joins late sees every member");
    HttpResponse<String> onD = send("gw-b", "POST", "/api/v1/jobs", GatewayHarness.OPERATOR, slowJob("late:gone"));
    assertEquals(201, onD.statusCode(), onD.body());
    assertEquals("gw-d", new JsonObject(onD.body()).getString("node"), "only gw-d has 'late'");
    String id = new JsonObject(onD.body()).getString("id");
    HttpResponse<String> before = send("gw-a", "GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null);
    assertEquals(200, before.statusCode(), before.body()); // gw-a now holds a hint: gw-d holds the job
    assertEquals("gw-d", new JsonObject(before.body()).getString("node"));
    GatewayHarness.await(gateways.remove("gw-d").stop());
    HttpResponse<String> hinted = send("gw-a", "GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null);
    assertEquals(502, hinted.statusCode(), "the hint's member is gone, and the map still names it: " + hinted.body());
    assertTrue(hinted.body().contains("gw-d"), hinted.body());
    awaitView("gw-a", v -> names(v).equals(List.of("gw-a", "gw-b", "gw-c")));
    awaitView("gw-b", v -> names(v).equals(List.of("gw-a", "gw-b", "gw-c")));
    HttpResponse<String> gone = send("gw-a", "GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null);
    assertEquals(502, gone.statusCode(), gone.body());
    assertTrue(gone.body().contains("gw-d"), "the answer names the member that holds the job: " + gone.body());
  }

  @Test
  void aGatewayWithoutAClusterBlockIsAClusterOfOne() throws Exception {
    try (GatewayHarness alone = new GatewayHarness(tmp.resolve("alone"))) {
      alone.startNode(o -> { }).startGateway(c -> { });
      GatewayHarness.Response r = alone.call("GET", "/api/v1/cluster", GatewayHarness.VIEWER, null);
      assertEquals(200, r.status(), r.body());
      JsonObject v = r.json();
      assertFalse(v.getBoolean("clustered"));
      assertEquals(1, v.getJsonArray("members").size());
      JsonObject self = v.getJsonArray("members").getJsonObject(0);
      assertTrue(self.getBoolean("self"));
      assertEquals("up", self.getString("state"));
      assertEquals(new JsonArray().add("local"), self.getJsonArray("destinations"));
    }
  }

  HttpResponse<String> send(String node, String method, String path, String token, JsonObject body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get(node) + path))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A job that runs for minutes (160 MB at 200 kB/s) unless cancelled. */
  static JsonObject slowJob(String destination) {
    return new JsonObject().put("source", "ckpt:huge").put("destination", destination).put("rateLimit", 200_000);
  }

  String awaitState(String node, String id, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String seen = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = send(node, "GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null);
      assertEquals(200, r.statusCode(), r.body());
      seen = new JsonObject(r.body()).getString("state");
      if (state.equals(seen)) {
        return seen;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(id + " seen from " + node + " stayed " + seen + ", never " + state);
  }

  @Test
  void aJobSubmittedToAMemberWithoutItsDestinationRunsOnOneThatHasItAndEveryMemberAnswersForIt() throws Exception {
    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      awaitView(node, v -> names(v).size() >= 3);
    }
    HttpResponse<String> r = send("gw-c", "POST", "/api/v1/jobs", GatewayHarness.OPERATOR, slowJob("shared:placed"));
    assertEquals(201, r.statusCode(), r.body());
    JsonObject job = new JsonObject(r.body());
    String id = job.getString("id");
    String owner = job.getString("node");
    assertTrue(List.of("gw-a", "gw-b").contains(owner), "gw-c has no 'shared' destination: " + job.encode());
    assertEquals(owner, r.headers().firstValue("X-Shardline-Node").orElse(null));
    assertEquals("/api/v1/jobs/" + id, r.headers().firstValue("Location").orElse(null));

    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      HttpResponse<String> g = send(node, "GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null);
      assertEquals(200, g.statusCode(), node + ": " + g.body());
      assertEquals(owner, new JsonObject(g.body()).getString("node"), node);
      assertEquals(id, new JsonObject(g.body()).getString("id"));
    }
    assertEquals(404, send("gw-c", "GET", "/api/v1/jobs/no-such-job", GatewayHarness.VIEWER, null).statusCode());
    assertEquals(403, send("gw-b", "POST", "/api/v1/jobs/" + id + "/cancel", GatewayHarness.VIEWER, null).statusCode(),
        "the member that acts checks the caller's own role");

    HttpResponse<String> c = send("gw-c", "POST", "/api/v1/jobs/" + id + "/cancel", GatewayHarness.OPERATOR, null);
    assertTrue(c.statusCode() == 200 || c.statusCode() == 202, c.body());
    awaitState("gw-a", id, "cancelled");
    awaitState("gw-b", id, "cancelled");

    HttpResponse<String> log = send("gw-c", "GET", "/api/v1/jobs/" + id + "/log", GatewayHarness.VIEWER, null);
    assertEquals(200, log.statusCode(), log.body());
    assertTrue(log.body().contains("submitted") && log.body().contains("cancel"), log.body());
  }

  @Test
  void theListingOfAnyMemberHoldsEveryMembersJobsEachNamingItsMember() throws Exception {
    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      awaitView(node, v -> names(v).size() >= 3);
    }
    HttpResponse<String> onA = send("gw-a", "POST", "/api/v1/jobs", GatewayHarness.OPERATOR, slowJob("local:listed-a"));
    HttpResponse<String> onC = send("gw-c", "POST", "/api/v1/jobs", GatewayHarness.OPERATOR, slowJob("other:listed-c"));
    assertEquals(201, onA.statusCode(), onA.body());
    assertEquals(201, onC.statusCode(), onC.body());
    String a = new JsonObject(onA.body()).getString("id");
    String c = new JsonObject(onC.body()).getString("id");
    assertEquals("gw-a", new JsonObject(onA.body()).getString("node"));
    assertEquals("gw-c", new JsonObject(onC.body()).getString("node"));
    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      HttpResponse<String> l = send(node, "GET", "/api/v1/jobs?limit=1000", GatewayHarness.VIEWER, null);
      assertEquals(200, l.statusCode(), l.body());
      JsonObject page = new JsonObject(l.body());
      Map<String, String> nodes = new LinkedHashMap<>();
      page.getJsonArray("jobs").forEach(j -> nodes.put(((JsonObject) j).getString("id"), ((JsonObject) j).getString("node")));
      assertEquals("gw-a", nodes.get(a), node + ": " + page.encode());
      assertEquals("gw-c", nodes.get(c), node + ": " + page.encode());
      assertEquals(new JsonArray(), page.getJsonArray("unreachable"));
      assertTrue(page.getLong("total") >= nodes.size(), page.encode());
    }
    for (String id : List.of(a, c)) {
      send("gw-b", "POST", "/api/v1/jobs/" + id + "/cancel", GatewayHarness.OPERATOR, null);
    }
  }

  @Test
  void anIdempotencyKeyHoldsAcrossMembers() throws Exception {
    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      awaitView(node, v -> names(v).size() >= 3);
    }
    JsonObject body = slowJob("shared:idem");
    HttpResponse<String> first = send("gw-b", "POST", "/api/v1/jobs", GatewayHarness.OPERATOR, body,
        "Idempotency-Key", "retry-7");
    assertEquals(201, first.statusCode(), first.body());
    String id = new JsonObject(first.body()).getString("id");
    for (String node : List.of("gw-a", "gw-c", "gw-b")) {
      HttpResponse<String> again = send(node, "POST", "/api/v1/jobs", GatewayHarness.OPERATOR, body,
          "Idempotency-Key", "retry-7");
      assertEquals(201, again.statusCode(), node + ": " + again.body()); // a replay answers as the first time did
      assertEquals(id, new JsonObject(again.body()).getString("id"), node);
      assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(null), node);
    }
    HttpResponse<String> other = send("gw-c", "POST", "/api/v1/jobs", GatewayHarness.OPERATOR,
        slowJob("shared:different"), "Idempotency-Key", "retry-7");
    assertEquals(422, other.statusCode(), "the same key with another request is refused wherever it lands: "
        + other.body());
    send("gw-a", "POST", "/api/v1/jobs/" + id + "/cancel", GatewayHarness.OPERATOR, null);
  }

  @Test
  void aJobsEventStreamIsServedByEveryMemberFromWhereverItRuns() throws Exception {
    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      awaitView(node, v -> names(v).size() >= 3);
    }
    HttpResponse<String> r = send("gw-a", "POST", "/api/v1/jobs", GatewayHarness.OPERATOR, slowJob("local:streamed"));
    assertEquals(201, r.statusCode(), r.body());
    String id = new JsonObject(r.body()).getString("id");
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get("gw-c") + "/api/v1/jobs/"
            + id + "/events")).header("Authorization", "Bearer " + GatewayHarness.VIEWER)
        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build();
    HttpResponse<java.util.stream.Stream<String>> stream = http.send(req, HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, stream.statusCode());
    assertEquals("gw-a", stream.headers().firstValue("X-Shardline-Node").orElse(null));
    assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    // The stream opens with the job's state (id: its last event) and goes on live: progress
    // events come through the member that does not hold the job as they happen.
    long[] lastId = {-1};
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (java.util.stream.Stream<String> lines = stream.body()) {
        var it = lines.iterator();
        boolean progress = false;
        while (!progress && it.hasNext()) {
          String line = it.next();
          if (line.startsWith("id:") && lastId[0] < 0) {
            lastId[0] = Long.parseLong(line.substring(3).trim());
          }
          progress = line.equals("event: progress") && lastId[0] >= 0;
        }
        assertTrue(progress, "the stream ended before a progress event");
      }
    });
    assertTrue(lastId[0] >= 1, "the opening state names the job's last event");
    // Last-Event-ID goes along: a stream from yet another member starts right after it.
    HttpResponse<java.util.stream.Stream<String>> resumed = http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + apiPorts.get("gw-b") + "/api/v1/jobs/" + id + "/events"))
        .header("Authorization", "Bearer " + GatewayHarness.VIEWER).header("Last-Event-ID", "" + (lastId[0] - 1))
        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, resumed.statusCode());
    String firstId = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (java.util.stream.Stream<String> lines = resumed.body()) {
        var it = lines.iterator();
        while (it.hasNext()) {
          String line = it.next();
          if (line.startsWith("id:")) {
            return line.substring(3).trim();
          }
        }
        return null;
      }
    });
    assertEquals(String.valueOf(lastId[0]), firstId, "the stream resumed after the event named");
    send("gw-a", "POST", "/api/v1/jobs/" + id + "/cancel", GatewayHarness.OPERATOR, null);
  }

  @Test
  void aBroadcastToDestinationsOnThreeMembersFillsEachWithTheSameFilesWhileTheSourceServesAboutOneCopy()
      throws Exception {
    for (String node : List.of("gw-a", "gw-b", "gw-c")) {
      awaitView(node, v -> names(v).size() >= 3);
    }
    long before = h.node.servedBytes();
    HttpResponse<String> r = send("gw-c", "POST", "/api/v1/broadcasts", GatewayHarness.OPERATOR, new JsonObject()
        .put("source", "ckpt:big").put("destinations", new JsonArray().add("local:bc").add("shared:bc").add("other:bc")));
    assertEquals(201, r.statusCode(), r.body());
    JsonObject b = new JsonObject(r.body());
    String id = b.getString("id");
    List<String> nodes = new ArrayList<>();
    b.getJsonArray("destinations").forEach(d -> nodes.add(((JsonObject) d).getString("node")));
    assertEquals("gw-a", nodes.get(0), "only gw-a has 'local': " + b.encode());
    assertEquals("gw-c", nodes.get(2), "only gw-c has 'other': " + b.encode());
    assertTrue(List.of("gw-a", "gw-b").contains(nodes.get(1)), b.encode());

    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    JsonObject v = null;
    while (System.nanoTime() < deadline) {
      v = get("gw-b", "/api/v1/broadcasts/" + id); // any member answers for every member's jobs
      if (!"running".equals(v.getString("state"))) {
        break;
      }
      Thread.sleep(200);
    }
    assertEquals("succeeded", v.getString("state"), v.encode());
    assertEquals(new JsonArray(), v.getJsonArray("unreachable"));
    Path original = h.source.resolve("big/c.bin");
    Path shared = nodes.get(1).equals("gw-a") ? tmp.resolve("dest-gw-a-shared") : tmp.resolve("dest-gw-b-shared");
    for (Path copy : List.of(tmp.resolve("dest-gw-a-local/bc/c.bin"), shared.resolve("bc/c.bin"),
        tmp.resolve("dest-gw-c-other/bc/c.bin"))) {
      assertEquals(-1, java.nio.file.Files.mismatch(original, copy), copy.toString());
    }
    long served = h.node.servedBytes() - before;
    assertTrue(served < 32_000_000 * 1.3, "the source served " + served + " bytes for 3 copies of 32 MB");
  }
}
