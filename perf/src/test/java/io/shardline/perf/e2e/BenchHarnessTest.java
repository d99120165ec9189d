package io.shardline.perf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs the end-to-end benchmark on tiny data (profile {@code tiny}: two 4 MiB files and 40 small
 * files, one run, 2 lanes, memory pulls of 4 and 16 MiB) so the harness cannot rot: real servers,
 * real pulls through the engine's CLI, /proc accounting, JSON, Markdown and PNG output. Peers that
 * are not installed are skipped by the harness; the ones that are installed must succeed. The
 * node's HTTPS front runs too, with its head-to-head rows against nginx; {@code pull https://}
 * either runs or, on a CLI without it (and on the 40-file set, always), leaves a skipped row.
 */
class BenchHarnessTest {
  private static final List<String> PEER_CASES = List.of("iperf3", "curl", "curl-devnull", "aria2c-x4", "node-curl",
      "node-curl-devnull", "rsync-ssh", "zstd-tls-pipeline");

  @TempDir
  Path tmp;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void quickRunOnTinyDataWritesEveryOutput() throws Exception {
    Path out = tmp.resolve("out");
    // The engine's CLI from this test's class path, with the launcher's JVM options.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cli = String.join(" ", java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dio.netty.tryReflectionSetAccessible=true",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), "io.shardline.engine.cli.Main");
    int rc = new CommandLine(new BenchMain()).execute("--profile", "tiny", "--sets", "random,small",
        "--data", tmp.resolve("data").toString(), "--dest", tmp.resolve("dst").toString(), "--out", out.toString(),
        "--shardline", cli, "--quiet-max", "0", "--timeout", "60", "--no-links");
    assertEquals(0, rc, "every case must have a successful run");

    JsonObject j = new JsonObject(Files.readString(out.resolve("results.json")));
    assertEquals("tiny", j.getString("profile"));
    JsonObject loop = j.getJsonArray("scenarios").getJsonObject(0);
    assertEquals("loopback", loop.getString("id"));
    assertEquals(2, loop.getJsonArray("sets").size());
    for (Object o : loop.getJsonArray("sets")) {
      JsonObject set = (JsonObject) o;
      List<String> ids = new ArrayList<>();
      for (Object c : set.getJsonArray("cases")) {
        JsonObject k = (JsonObject) c;
        ids.add(k.getString("id"));
        if (k.containsKey("skipped")) {
          assertEquals("shardline-https-l4", k.getString("id"), k.encode()); // the only case that may not run
          continue;
        }
        assertTrue(k.getDouble("medianMBps") > 0, k.encode());
        assertTrue(k.getDouble("medianCpuSecondsPerGB") >= 0, k.encode()); // a tiny peer run can take < 1 tick
        assertTrue(k.getLong("peakClientRssBytes") > 0, k.encode());
        if (k.getInteger("lanes") > 0) {
          assertTrue(k.getDouble("medianCpuSecondsPerGB") > 0, k.encode()); // two JVMs always burn CPU
          assertTrue(k.getLong("peakServerRssBytes") > 0, k.encode());
          assertTrue(k.getDouble("medianWireRatio") >= 0.99, k.encode());
        }
      }
      assertTrue(ids.containsAll(List.of("shardline-l2-none", "shardline-l2-auto")), ids.toString());
      // every installed peer ran; a missing one is listed as skipped
      for (String peer : PEER_CASES) {
        boolean skipped = loop.getJsonArray("skipped").encode().contains(toolOf(peer))
            || peer.equals("aria2c-x4") && !Tool.installed("aria2c"); // nginx's client that is not installed
        assertTrue(ids.contains(peer) || skipped, peer + " neither ran nor was skipped: " + ids);
      }
      assertTrue(ids.contains("shardline-https-l4"), "pull https:// neither ran nor left a skipped row: " + ids);
      if (ids.contains("node-curl") && ids.contains("curl")) {
        assertTrue(set.getJsonArray("headToHead").encode().contains("node-vs-nginx"), set.encode());
      }
    }
    assertEquals(2, j.getJsonArray("memory").size());
    for (Object o : j.getJsonArray("memory")) {
      JsonObject run = ((JsonObject) o).getJsonObject("run");
      assertTrue(run.getBoolean("ok"), run.encode());
      assertTrue(run.getLong("clientRssBytes") > 0 && run.getLong("serverRssBytes") > 0, run.encode());
    }
    String md = Files.readString(out.resolve("results.md"));
    assertTrue(md.contains("| Shardline 2 lanes, none |"), md);
    assertFalse(md.contains("FAILED"), md);
    assertTrue(md.contains("### loopback: head to head"), md);
    for (String png : List.of("throughput-loopback-random.png", "throughput-loopback-small.png", "cpu-per-gb-loopback.png",
        "head-to-head-loopback.png", "rss-vs-size.png")) {
      byte[] b = Files.readAllBytes(out.resolve(png));
      assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
    }
  }

  private static String toolOf(String peerCase) {
    return switch (peerCase) {
      case "curl", "curl-devnull", "aria2c-x4" -> "nginx";
      case "node-curl", "node-curl-devnull" -> "node-https";
      case "rsync-ssh" -> "rsync";
      case "zstd-tls-pipeline" -> "pipeline";
      default -> peerCase;
    };
  }
}
