package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broadcast (POST /api/v1/broadcasts) fills several destinations from one source through a
 * chain of relays: every copy is identical, the source serves about one copy, the view shows each
 * destination's job and upstreams, a relay lost mid-way is routed around, and what a broadcast
 * cannot do is refused before any job is made.
 */
@Timeout(180)
class BroadcastJobsTest {
  static final long SIZE = 24_000_000;
  @TempDir Path tmp;
  GatewayHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(tmp);
    GatewayHarness.file(h.source.resolve("big/c.bin"), SIZE, 3);
    GatewayHarness.file(h.source.resolve("big/d.bin"), 1_000_000, 4);
    h.startNode(o -> { }).startGateway(c -> c.put("destinations", new JsonObject()
        .put("d1", tmp.resolve("d1").toString()).put("d2", tmp.resolve("d2").toString())
        .put("d3", tmp.resolve("d3").toString())).put("maxRunningJobs", 4));
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  GatewayHarness.Response broadcast(JsonObject body, String... headers) throws Exception {
    return h.call("POST", "/api/v1/broadcasts", GatewayHarness.OPERATOR, body.encode(), headers);
  }

  JsonObject awaitBroadcast(String id, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    JsonObject v = null;
    while (System.nanoTime() < deadline) {
      GatewayHarness.Response r = h.call("GET", "/api/v1/broadcasts/" + id, GatewayHarness.VIEWER, null);
      assertEquals(200, r.status(), r.body());
      v = r.json();
      if (state.equals(v.getString("state"))) {
        return v;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("broadcast " + id + " never " + state + ": " + v);
  }

  @Test
  void aChainFillsEveryDestinationWithTheSameFilesWhileTheSourceServesAboutOneCopy() throws Exception {
    long before = h.node.servedBytes();
    GatewayHarness.Response r = broadcast(new JsonObject().put("source", "ckpt:big")
        .put("destinations", new JsonArray().add("d1:bc").add("d2:bc").add("d3:bc")).put("label", "step-1"));
    assertEquals(201, r.status(), r.body());
    JsonObject b = r.json();
    String id = b.getString("id");
    assertEquals("/api/v1/broadcasts/" + id, r.header("Location"));
    assertEquals("chain", b.getString("shape"));
    JsonArray dests = b.getJsonArray("destinations");
    assertEquals(3, dests.size());
    assertEquals(List.of(), dests.getJsonObject(0).getJsonArray("upstreams").getList(), "the first is fed by the source");
    assertEquals(List.of("d1:bc"), dests.getJsonObject(1).getJsonArray("upstreams").getList());
    assertEquals(List.of("d2:bc", "d1:bc"), dests.getJsonObject(2).getJsonArray("upstreams").getList(),
        "its parent first, then the hop above it");

    JsonObject done = awaitBroadcast(id, "succeeded");
    assertEquals(3, done.getInteger("succeeded"));
    for (String d : List.of("d1", "d2", "d3")) {
      Path copy = tmp.resolve(d).resolve("bc");
      assertEquals(-1, Files.mismatch(h.source.resolve("big/c.bin"), copy.resolve("c.bin")), d);
      assertEquals(-1, Files.mismatch(h.source.resolve("big/d.bin"), copy.resolve("d.bin")), d);
    }
    long served = h.node.servedBytes() - before;
    long copy = SIZE + 1_000_000;
    assertTrue(served < copy * 1.3, "the source served " + served + " bytes for 3 copies of " + copy);
    for (Object o : done.getJsonArray("destinations")) {
      JsonObject d = (JsonObject) o;
      JsonObject job = h.call("GET", "/api/v1/jobs/" + d.getString("job"), GatewayHarness.VIEWER, null).json();
      assertEquals(id, job.getJsonObject("broadcast").getString("id"), job.encode());
      assertEquals("step-1", job.getString("label", "step-1"));
    }
    JsonObject listed = h.call("GET", "/api/v1/jobs?broadcast=" + id, GatewayHarness.VIEWER, null).json();
    assertEquals(3, listed.getJsonArray("jobs").size(), listed.encode());
  }

  @Test
  void aRelayLostMidWayIsRoutedAroundAndTheDestinationsBelowItStillComplete() throws Exception {
    GatewayHarness.Response r = broadcast(new JsonObject().put("source", "ckpt:big").put("rateLimit", 6_000_000)
        .put("destinations", new JsonArray().add("d1:lost").add("d2:lost").add("d3:lost")));
    assertEquals(201, r.status(), r.body());
    String id = r.json().getString("id");
    String middle = r.json().getJsonArray("destinations").getJsonObject(1).getString("job");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonObject j = null;
    while (System.nanoTime() < deadline) {
      j = h.call("GET", "/api/v1/jobs/" + middle, GatewayHarness.VIEWER, null).json();
      if (j.getLong("bytesDone", 0L) > SIZE / 4) {
        break;
      }
      Thread.sleep(50);
    }
    assertTrue(j.getLong("bytesDone") > SIZE / 4, j.encode());
    assertEquals(200, h.call("POST", "/api/v1/jobs/" + middle + "/cancel", GatewayHarness.OPERATOR, null).status());
    JsonObject v = awaitBroadcast(id, "failed"); // every job ended, one of them cancelled
    List<String> states = new ArrayList<>();
    v.getJsonArray("destinations").forEach(o -> states.add(((JsonObject) o).getString("state")));
    assertEquals(List.of("succeeded", "cancelled", "succeeded"), states, v.encode());
    assertEquals(-1, Files.mismatch(h.source.resolve("big/c.bin"), tmp.resolve("d3/lost/c.bin")),
        "the last one fell back to the first relay and finished");
  }

  @Test
  void whatABroadcastCannotDoIsRefusedBeforeAnyJobIsMade() throws Exception {
    GatewayHarness.Response twice = broadcast(new JsonObject().put("source", "ckpt:big")
        .put("destinations", new JsonArray().add("d1:x").add("d1:x")));
    assertEquals(400, twice.status(), twice.body());
    assertTrue(twice.body().contains("named twice"), twice.body());
    GatewayHarness.Response unknown = broadcast(new JsonObject().put("source", "ckpt:big")
        .put("destinations", new JsonArray().add("d1:y").add("nowhere:y")));
    assertEquals(400, unknown.status(), unknown.body());
    assertTrue(unknown.body().contains("nowhere"), unknown.body());
    GatewayHarness.Response shape = broadcast(new JsonObject().put("source", "ckpt:big").put("shape", "ring")
        .put("destinations", new JsonArray().add("d1:z")));
    assertEquals(400, shape.status(), shape.body());
    JsonObject all = h.call("GET", "/api/v1/jobs", GatewayHarness.VIEWER, null).json();
    assertEquals(0, all.getJsonArray("jobs").size(), "no job was made: " + all.encode());
    assertEquals(404, h.call("GET", "/api/v1/broadcasts/b-nothing", GatewayHarness.VIEWER, null).status());
    assertEquals(403, h.call("POST", "/api/v1/broadcasts", GatewayHarness.VIEWER, new JsonObject()
        .put("source", "ckpt:big").put("destinations", new JsonArray().add("d1:v")).encode()).status());
  }

  @Test
  void theSameIdempotencyKeyAndBodyGiveTheSameBroadcastAndJobs() throws Exception {
    JsonObject body = new JsonObject().put("source", "ckpt:big").put("destinations", new JsonArray().add("d1:i")
        .add("d2:i"));
    GatewayHarness.Response first = broadcast(body, "Idempotency-Key", "bc-1");
    GatewayHarness.Response again = broadcast(body, "Idempotency-Key", "bc-1");
    assertEquals(201, first.status(), first.body());
    assertEquals(201, again.status(), again.body());
    assertEquals(first.json().getString("id"), again.json().getString("id"));
    assertEquals(first.json().getJsonArray("destinations").getJsonObject(1).getString("job"),
        again.json().getJsonArray("destinations").getJsonObject(1).getString("job"));
    assertNotNull(awaitBroadcast(first.json().getString("id"), "succeeded"));
  }

  @Test
  void cancellingABroadcastCancelsEveryJobOfItThatHasNotEnded() throws Exception {
    GatewayHarness.Response r = broadcast(new JsonObject().put("source", "ckpt:big").put("rateLimit", 1_000_000)
        .put("destinations", new JsonArray().add("d1:cancelled").add("d2:cancelled")));
    assertEquals(201, r.status(), r.body());
    String id = r.json().getString("id");
    assertEquals(403, h.call("POST", "/api/v1/broadcasts/" + id + "/cancel", GatewayHarness.VIEWER, null).status());
    GatewayHarness.Response c = h.call("POST", "/api/v1/broadcasts/" + id + "/cancel", GatewayHarness.OPERATOR, null);
    assertEquals(200, c.status(), c.body());
    JsonObject v = awaitBroadcast(id, "failed");
    v.getJsonArray("destinations").forEach(o -> assertEquals("cancelled", ((JsonObject) o).getString("state"), v.encode()));
    assertTrue(Files.notExists(tmp.resolve("d2/cancelled/c.bin")), "nothing published");
    assertEquals(404, h.call("POST", "/api/v1/broadcasts/b-none/cancel", GatewayHarness.OPERATOR, null).status());
  }
}
