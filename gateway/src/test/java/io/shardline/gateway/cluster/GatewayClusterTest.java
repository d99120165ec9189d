package io.shardline.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    JsonObject c = h.config().put("dataDir", tmp.resolve("data-" + node + "-" + clusterPort).toString());
    JsonObject dests = new JsonObject();
    for (String d : destinations) {
      dests.put(d, tmp.resolve("dest-" + node + "-" + d).toString());
    }
    c.put("destinations", dests);
    JsonArray members = new JsonArray();
    clusterPorts.forEach(p -> members.add("127.0.0.1:" + p));
    c.put("cluster", new JsonObject().put("node", node).put("host", "127.0.0.1").put("port", clusterPort)
        .put("members", members));
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
    GatewayHarness.await(gateways.remove("gw-d").stop());
    awaitView("gw-a", v -> names(v).equals(List.of("gw-a", "gw-b", "gw-c")));
    awaitView("gw-b", v -> names(v).equals(List.of("gw-a", "gw-b", "gw-c")));
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
}
