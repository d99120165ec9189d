package io.shardline.gateway.restart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayChild;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway killed with SIGKILL in the middle of a running job, then started again on the same
 * data folder: the job continues from the engine's resume journal and completes verified, no job
 * is lost or duplicated, and a job accepted (201) just before the kill is still there.
 */
@Timeout(120)
class GatewayKillTest {

  @TempDir
  Path tmp;

  /** A gateway in a child JVM, and the port it printed. */
  record Child(Process process, int port) {}

  static Child startGateway(Path config, Path log) throws Exception {
    GatewayChild c = GatewayChild.start(config, log, 30);
    return new Child(c.process(), c.port());
  }

  @Test
  void sigkillMidJobThenRestartCompletesTheJobVerified() throws Exception {
    Path log = tmp.resolve("gateway.log");
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("ckpt/shard-0.bin"), 40_000_000, 11);
      GatewayHarness.file(h.source.resolve("ckpt/shard-1.bin"), 24_000_000, 12);
      h.startNode(o -> { });
      Path config = tmp.resolve("gateway.json");
      Files.writeString(config, h.config().encodePrettily());
      List<Process> started = new ArrayList<>();
      try {
        Child first = startGateway(config, log);
        started.add(first.process());
        h.info = new io.shardline.gateway.GatewayServer.Info("127.0.0.1", first.port(), false, 0, 0);
        // 64 MB at 8 MB/s: a chunk per lane passes at once, the rest takes about 5 s; killed early on
        String id = h.submit(new JsonObject().put("source", "ckpt:ckpt").put("destination", "local:run")
            .put("rateLimit", 8_000_000).put("lanes", 4)).getString("id");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonObject j;
        do {
          Thread.sleep(50);
          j = h.call("GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null).json();
        } while (j.getLong("bytesDone") < 8_000_000 && System.nanoTime() < deadline);
        Thread.sleep(1_000); // the engine journals verified chunks every 0.5 s: let some reach the disk
        j = h.call("GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null).json();
        assertEquals("running", j.getString("state"), j.encode());
        String queuedId = h.submit(new JsonObject().put("source", "ckpt:ckpt").put("destination", "local:second")
            .put("priority", -1)).getString("id"); // accepted (201) right before the kill
        first.process().destroyForcibly(); // SIGKILL
        assertTrue(first.process().waitFor(10, TimeUnit.SECONDS));
        assertTrue(Files.notExists(h.dest.resolve("run/shard-0.bin")) || Files.size(h.dest.resolve("run/shard-0.bin")) == 40_000_000,
            "nothing partial at a final path");

        Child second = startGateway(config, log);
        started.add(second.process());
        h.info = new io.shardline.gateway.GatewayServer.Info("127.0.0.1", second.port(), false, 0, 0);
        JsonObject done = h.awaitState(id, "succeeded", Duration.ofSeconds(60));
        h.awaitState(queuedId, "succeeded", Duration.ofSeconds(60));
        assertEquals(2, done.getInteger("attempts"), done.encode());
        assertArrayEquals(Files.readAllBytes(h.source.resolve("ckpt/shard-0.bin")), Files.readAllBytes(h.dest.resolve("run/shard-0.bin")));
        assertArrayEquals(Files.readAllBytes(h.source.resolve("ckpt/shard-1.bin")), Files.readAllBytes(h.dest.resolve("run/shard-1.bin")));
        assertArrayEquals(Files.readAllBytes(h.source.resolve("ckpt/shard-0.bin")), Files.readAllBytes(h.dest.resolve("second/shard-0.bin")));
        JsonArray jobs = h.call("GET", "/api/v1/jobs", GatewayHarness.VIEWER, null).json().getJsonArray("jobs");
        assertEquals(2, jobs.size(), "no job lost, none duplicated: " + jobs.encode());
        List<String> types = new ArrayList<>();
        JsonArray events = h.call("GET", "/api/v1/jobs/" + id + "/log", GatewayHarness.VIEWER, null).json().getJsonArray("events");
        events.forEach(o -> types.add(((JsonObject) o).getString("type")));
        assertEquals(List.of("submitted", "started", "interrupted", "started", "succeeded"), types);
        JsonObject fin = events.getJsonObject(events.size() - 1).getJsonObject("data");
        assertTrue(fin.getLong("resumedChunks") > 0, "the second attempt resumed verified chunks: " + fin.encode());
        assertTrue(fin.getBoolean("verified"));
      } finally {
        for (Process p : started) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }
}
