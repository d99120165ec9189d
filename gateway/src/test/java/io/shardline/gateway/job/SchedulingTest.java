package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** At most maxRunningJobs run; the queue is ordered by priority, then age. */
@Timeout(90)
class SchedulingTest {
  @TempDir
  Path tmp;

  @Test
  void oneAtATimeHighestPriorityFirstThenOldest() throws Exception {
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("m/a.bin"), 2_000_000, 9);
      h.startNode(o -> { }).startGateway(c -> c.put("maxRunningJobs", 1));
      // The first job holds the only slot for a while (64 MB at 8 MB/s, after a burst of a chunk per
      // lane); the rest queue behind it.
      GatewayHarness.file(h.source.resolve("slow/b.bin"), 64_000_000, 10);
      String blocker = h.submit(new JsonObject().put("source", "ckpt:slow").put("destination", "local:blocker")
          .put("rateLimit", 8_000_000)).getString("id");
      h.awaitState(blocker, "running", Duration.ofSeconds(10));
      Map<String, String> ids = new TreeMap<>();
      ids.put("low-old", submit(h, "low-old", 0));
      ids.put("high", submit(h, "high", 5));
      ids.put("low-new", submit(h, "low-new", 0));
      ids.put("urgent", submit(h, "urgent", 9));
      JsonObject queued = h.call("GET", "/api/v1/jobs?state=queued", GatewayHarness.VIEWER, null).json();
      assertEquals(4, queued.getInteger("total"), queued.encode());
      for (String id : ids.values()) {
        h.awaitState(id, "succeeded", Duration.ofSeconds(60));
      }
      // Journal order of each job's "started" and "succeeded" events: [started, succeeded, job index].
      List<long[]> runs = new ArrayList<>();
      List<String> names = new ArrayList<>(ids.keySet());
      for (int i = 0; i < names.size(); i++) {
        long started = -1;
        long ended = -1;
        for (Object o : h.call("GET", "/api/v1/jobs/" + ids.get(names.get(i)) + "/log", GatewayHarness.VIEWER, null)
            .json().getJsonArray("events")) {
          JsonObject e = (JsonObject) o;
          if (e.getString("type").equals("started")) {
            started = e.getLong("seq");
          } else if (e.getString("type").equals("succeeded")) {
            ended = e.getLong("seq");
          }
        }
        runs.add(new long[] {started, ended, i});
      }
      runs.sort(Comparator.comparingLong(a -> a[0]));
      List<String> order = runs.stream().map(a -> names.get((int) a[2])).toList();
      assertEquals(List.of("urgent", "high", "low-old", "low-new"), order);
      for (int i = 1; i < runs.size(); i++) {
        assertTrue(runs.get(i)[0] > runs.get(i - 1)[1], "never two at once: " + order);
      }
    }
  }

  private static String submit(GatewayHarness h, String label, int priority) throws Exception {
    return h.submit(new JsonObject().put("source", "ckpt:m").put("destination", "local:" + label)
        .put("priority", priority).put("label", label)).getString("id");
  }
}
