package io.shardline.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** /metrics after a job: the figures add up, and promtool (Debian package prometheus) accepts the format. */
@Timeout(60)
class MetricsPromtoolTest {
  @TempDir
  Path tmp;

  @Test
  void promtoolAcceptsTheMetricsAndTheyCountTheJob() throws Exception {
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("m/a.bin"), 5_000_000, 1);
      h.startNode(o -> { }).startGateway(c -> { });
      String id = h.submit(new JsonObject().put("source", "ckpt:m").put("destination", "local:x")
          .put("compression", "none")).getString("id");
      h.awaitState(id, "succeeded", Duration.ofSeconds(30));
      h.call("GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null);
      Thread.sleep(2 * 250); // one more progress sample
      String text = h.call("GET", "/metrics", GatewayHarness.VIEWER, null).body();
      assertEquals(1.0, value(text, "shardline_jobs\\{state=\"succeeded\"\\}"), text);
      assertEquals(0.0, value(text, "shardline_jobs\\{state=\"running\"\\}"));
      assertEquals(5_000_000.0, value(text, "shardline_transfer_bytes_total"), text);
      assertTrue(value(text, "shardline_transfer_wire_bytes_total") >= 5_000_000.0);
      assertEquals(0.0, value(text, "shardline_chunk_retries_total"));
      assertTrue(text.contains("http_server_requests_seconds_count{method=\"POST\",operation=\"submitJob\",status=\"201\"} 1"), text);
      assertTrue(text.contains("shardline_lanes_active "), text);

      Path promtool = Path.of("/usr/bin/promtool");
      Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool is not installed (Debian package prometheus)");
      Path file = Files.writeString(tmp.resolve("metrics.txt"), text);
      Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
          .redirectErrorStream(true).start();
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "promtool did not finish");
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
      assertEquals("", out.trim(), "promtool found problems:\n" + out);
    }
  }

  private static double value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(text);
    if (!m.find()) {
      throw new AssertionError("no series " + series + " in\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }
}
