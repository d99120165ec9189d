package io.shardline.gateway.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A restart rebuilds the same jobs and audit logs from the latest snapshot plus the journal after it. */
@Timeout(60)
class SnapshotRestartTest {
  @TempDir
  Path tmp;

  @Test
  void restartFromSnapshotAndJournalTailGivesTheSameJobs() throws Exception {
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("m/a.bin"), 200_000, 1);
      GatewayHarness.file(h.source.resolve("big/b.bin"), 64_000_000, 2); // more than a limit's first burst
      h.startNode(o -> { }).startGateway(c -> c.put("snapshotEvery", 4));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(h.submit(new JsonObject().put("source", "ckpt:m").put("destination", "local:r" + i)).getString("id"));
      }
      for (String id : ids) {
        h.awaitState(id, "succeeded", Duration.ofSeconds(30));
      }
      String paused = h.submit(new JsonObject().put("source", "ckpt:big").put("destination", "local:p")
          .put("rateLimit", 1)).getString("id");
      h.call("POST", "/api/v1/jobs/" + paused + "/pause", GatewayHarness.OPERATOR, null);
      h.awaitState(paused, "paused", Duration.ofSeconds(10));
      Thread.sleep(300); // the attempt-ended event of the paused pull
      JsonArray before = h.call("GET", "/api/v1/jobs", GatewayHarness.VIEWER, null).json().getJsonArray("jobs");
      List<JsonObject> logsBefore = new ArrayList<>();
      for (Object o : before) {
        logsBefore.add(h.call("GET", "/api/v1/jobs/" + ((JsonObject) o).getString("id") + "/log", GatewayHarness.VIEWER, null).json());
      }
      h.stopGateway();
      assertTrue(Files.exists(h.data.resolve("snapshot.json")), "a snapshot was written");

      h.startGateway(c -> c.put("snapshotEvery", 4));
      assertTrue(h.info.replayed() < 20, "only the journal after the snapshot is replayed: " + h.info.replayed());
      JsonArray after = h.call("GET", "/api/v1/jobs", GatewayHarness.VIEWER, null).json().getJsonArray("jobs");
      assertEquals(before.size(), after.size());
      for (int i = 0; i < before.size(); i++) {
        JsonObject b = before.getJsonObject(i);
        JsonObject a = after.getJsonObject(i);
        assertEquals(b.getString("id"), a.getString("id"));
        assertEquals(b.getString("state"), a.getString("state"));
        assertEquals(b.getJsonObject("digests"), a.getJsonObject("digests"));
        assertEquals(logsBefore.get(i), h.call("GET", "/api/v1/jobs/" + a.getString("id") + "/log", GatewayHarness.VIEWER, null).json());
      }
      // and it goes on: the paused job resumes and completes
      h.call("PATCH", "/api/v1/jobs/" + paused, GatewayHarness.OPERATOR, "{\"rateLimit\":0}");
      h.call("POST", "/api/v1/jobs/" + paused + "/resume", GatewayHarness.OPERATOR, null);
      h.awaitState(paused, "succeeded", Duration.ofSeconds(30));
    }
  }
}
