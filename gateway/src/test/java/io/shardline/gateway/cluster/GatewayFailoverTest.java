package io.shardline.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.api.ClusterForwarding;
import io.shardline.gateway.testutil.GatewayChild;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover in a cluster of three gateway JVMs sharing one destination: the member that runs a job
 * is SIGKILLed, or frozen (SIGSTOP) past its lease and woken again; another member takes the job
 * over from the replicated history and completes it from the engine's resume journal, verified,
 * exactly once; the frozen one stops without writing or publishing (its own audit journal says
 * it was fenced); a job answered 201 just before its member died still runs.
 */
@Timeout(240)
class GatewayFailoverTest {
  static final int LEASE_MS = 3000;
  static final int SIZE_A = 48_000_000;
  static final int SIZE_B = 8_000_000;

  @TempDir
  Path tmp;
  GatewayHarness h;
  final Map<String, GatewayChild> members = new LinkedHashMap<>();
  final List<Integer> clusterPorts = new ArrayList<>();
  /** Members stopped with SIGSTOP now: not asked (they accept connections and never answer). */
  final Set<String> frozen = new HashSet<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(tmp);
    GatewayHarness.file(h.source.resolve("ckpt/a.bin"), SIZE_A, 21);
    GatewayHarness.file(h.source.resolve("small/b.bin"), SIZE_B, 22);
    h.startNode(o -> { });
    for (int i = 0; i < 3; i++) {
      clusterPorts.add(freePort());
    }
    for (String n : List.of("gw-a", "gw-b", "gw-c")) {
      startMember(n, clusterPorts.get(members.size()));
    }
    awaitMembers("gw-c", 3);
  }

  @AfterEach
  void stop(TestInfo test) throws Exception {
    for (GatewayChild c : members.values()) {
      c.close();
    }
    h.close();
    // the members' logs outlive the temporary folder, for a failure's post-mortem
    Path keep = Files.createDirectories(Path.of("target", "failover-logs", test.getTestMethod().orElseThrow().getName()));
    for (String n : members.keySet()) {
      Files.copy(tmp.resolve(n + ".log"), keep.resolve(n + ".log"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private void startMember(String node, int clusterPort) throws Exception {
    JsonObject c = h.config().put("dataDir", tmp.resolve("data-" + node).toString()); // destination "local": shared
    JsonArray list = new JsonArray();
    clusterPorts.forEach(p -> list.add("127.0.0.1:" + p));
    c.put("cluster", new JsonObject().put("node", node).put("host", "127.0.0.1").put("port", clusterPort)
        .put("members", list).put("leaseMillis", LEASE_MS));
    Path file = tmp.resolve(node + ".json");
    Files.writeString(file, c.encodePrettily());
    members.put(node, GatewayChild.start(file, tmp.resolve(node + ".log"), 90));
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  HttpResponse<String> call(String node, String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + members.get(node).port() + path))
        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer "
            + (body == null ? GatewayHarness.VIEWER : GatewayHarness.OPERATOR))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonObject get(String node, String path) throws Exception {
    HttpResponse<String> r = call(node, "GET", path, null);
    assertEquals(200, r.statusCode(), node + " " + path + ": " + r.body());
    return new JsonObject(r.body());
  }

  String submit(String node, JsonObject job) throws Exception {
    HttpResponse<String> r = call(node, "POST", "/api/v1/jobs", job.encode());
    assertEquals(201, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("id");
  }

  void awaitMembers(String node, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonObject v;
    do {
      v = get(node, "/api/v1/cluster");
      long up = v.getJsonArray("members").stream().filter(m -> "up".equals(((JsonObject) m).getString("state"))).count();
      if (up == n) {
        return;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the cluster did not form: " + v.encode());
  }

  /**
   * Polls job {@code id} until {@code until} holds, asking {@code node} and, when it does not
   * answer 200, the other live members that are not frozen in turn (a loaded member may briefly
   * lose sight of another).
   */
  JsonObject await(String node, String id, Duration timeout, Predicate<JsonObject> until) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    List<String> order = new ArrayList<>(List.of(node));
    members.keySet().stream().filter(n -> !n.equals(node) && !frozen.contains(n) && members.get(n).process().isAlive()).forEach(order::add);
    int turn = 0;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r;
      String ask = order.get(turn % order.size());
      try {
        r = call(ask, "GET", "/api/v1/jobs/" + id, null);
      } catch (HttpTimeoutException e) {
        last = ask + ": no answer within 30 s";
        turn++;
        continue;
      }
      last = ask + ": " + r.statusCode() + " " + r.body();
      if (r.statusCode() == 200) {
        JsonObject j = new JsonObject(r.body());
        if (until.test(j)) {
          return j;
        }
        assertNotEquals("failed", j.getString("state"), j.encode());
      } else {
        turn++;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + id + " on " + node + ": not there after " + timeout + ": " + last);
  }

  JsonObject slowJob() {
    // 48 MB at 6 MB/s: about 8 s; socket buffers take the first few MB at once
    return new JsonObject().put("source", "ckpt:ckpt").put("destination", "local:run").put("rateLimit", 6_000_000)
        .put("lanes", 2);
  }

  List<String> types(String node, String id) throws Exception {
    List<String> types = new ArrayList<>();
    get(node, "/api/v1/jobs/" + id + "/log").getJsonArray("events").forEach(o -> types.add(((JsonObject) o).getString("type")));
    return types;
  }

  String journal(String node) throws Exception {
    return new String(Files.readAllBytes(tmp.resolve("data-" + node).resolve("journal.log")), StandardCharsets.UTF_8);
  }

  @Test
  void theHolderKilledMidJobAnotherMemberCompletesItVerifiedOnceAndAJobAnswered201JustBeforeStillRuns() throws Exception {
    String id = submit("gw-b", slowJob());
    JsonObject running = await("gw-b", id, Duration.ofSeconds(30),
        j -> "running".equals(j.getString("state")) && j.getLong("bytesDone") > 10_000_000);
    String holder = running.getString("node");
    Thread.sleep(800); // verified chunks reach the engine's journal every 0.5 s
    // answered 201 by the holder itself (marked as forwarded, so it is not placed elsewhere), then at once killed
    HttpResponse<String> r = call(holder, "POST", "/api/v1/jobs", new JsonObject().put("source", "ckpt:small")
        .put("destination", "local:second").put("priority", -1).put("rateLimit", 4_000_000).encode(),
        ClusterForwarding.FORWARDED, "test");
    assertEquals(201, r.statusCode(), r.body());
    String lastMinute = new JsonObject(r.body()).getString("id");
    members.get(holder).kill();
    String lastHolder = holder;
    String survivor = members.keySet().stream().filter(n -> !n.equals(holder)).findFirst().orElseThrow();
    assertTrue(Files.notExists(h.dest.resolve("run/a.bin")) || Files.size(h.dest.resolve("run/a.bin")) == SIZE_A);

    JsonObject done = await(survivor, id, Duration.ofSeconds(90), j -> "succeeded".equals(j.getString("state")));
    assertNotEquals(holder, done.getString("node"), "another member completed it: " + done.encode());
    assertArrayEquals(Files.readAllBytes(h.source.resolve("ckpt/a.bin")), Files.readAllBytes(h.dest.resolve("run/a.bin")));
    List<String> types = types(survivor, id);
    assertEquals(1, types.stream().filter("succeeded"::equals).count(), "exactly one succeeded: " + types);
    assertTrue(types.contains("interrupted"), types.toString());
    JsonArray events = get(survivor, "/api/v1/jobs/" + id + "/log").getJsonArray("events");
    JsonObject fin = events.getJsonObject(events.size() - 1).getJsonObject("data");
    assertTrue(fin.getBoolean("verified"), fin.encode());
    assertTrue(fin.getLong("resumedChunks") > 0, "the taker resumed the dead member's verified chunks: " + fin.encode());
    String interrupted = events.stream().map(o -> (JsonObject) o).filter(e -> "interrupted".equals(e.getString("type")))
        .map(e -> e.getJsonObject("data").getString("reason")).findFirst().orElseThrow();
    assertTrue(interrupted.contains(holder) && interrupted.contains("took it over"), interrupted);

    JsonObject second = await(survivor, lastMinute, Duration.ofSeconds(90), j -> "succeeded".equals(j.getString("state")));
    assertNotEquals(lastHolder, second.getString("node"));
    assertArrayEquals(Files.readAllBytes(h.source.resolve("small/b.bin")), Files.readAllBytes(h.dest.resolve("second/b.bin")));

    JsonObject list = get(survivor, "/api/v1/jobs");
    List<String> ids = new ArrayList<>();
    list.getJsonArray("jobs").forEach(j -> ids.add(((JsonObject) j).getString("id")));
    assertEquals(1, ids.stream().filter(id::equals).count(), "no duplicate: " + list.encode());
    assertEquals(1, ids.stream().filter(lastMinute::equals).count(), "no duplicate: " + list.encode());
  }

  @Test
  void aHolderFrozenPastItsLeaseStopsWithoutWritingWhenItWakesAndTheTakerCompletesTheJob() throws Exception {
    String id = submit("gw-a", slowJob());
    JsonObject running = await("gw-a", id, Duration.ofSeconds(30),
        j -> "running".equals(j.getString("state")) && j.getLong("bytesDone") > 10_000_000);
    String holder = running.getString("node");
    String other = members.keySet().stream().filter(n -> !n.equals(holder)).findFirst().orElseThrow();
    frozen.add(holder);
    members.get(holder).signal("STOP");
    try {
      // another member takes it over, but the frozen member still holds the destination's lock: the job waits
      JsonObject taken = await(other, id, Duration.ofSeconds(60), j -> !holder.equals(j.getString("node"))
          && j.getString("waiting") != null);
      assertEquals("queued", taken.getString("state"), taken.encode());
      assertTrue(taken.getString("waiting").contains("locked"), taken.encode());
      assertTrue(Files.notExists(h.dest.resolve("run/a.bin")), "nothing published yet");
    } finally {
      members.get(holder).signal("CONT");
      frozen.remove(holder);
    }
    JsonObject done = await(other, id, Duration.ofSeconds(90), j -> "succeeded".equals(j.getString("state")));
    assertNotEquals(holder, done.getString("node"));
    assertArrayEquals(Files.readAllBytes(h.source.resolve("ckpt/a.bin")), Files.readAllBytes(h.dest.resolve("run/a.bin")));
    List<String> types = types(other, id);
    assertEquals(1, types.stream().filter("succeeded"::equals).count(), types.toString());
    // the frozen member's own audit journal: fenced, and never succeeded
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!journal(holder).contains("fenced:") && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    String own = journal(holder);
    assertTrue(own.contains("fenced:"), "the woken member recorded that it was fenced");
    assertFalse(own.contains("\"type\":\"succeeded\""), "the woken member published nothing");
  }
}
