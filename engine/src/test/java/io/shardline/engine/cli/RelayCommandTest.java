package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.testutil.CliChild;
import io.shardline.engine.testutil.TestFiles;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shardline relay} as users run it, in child JVMs on 127.0.0.1: a slow origin, a relay that
 * prints where it listens before its pull is done, a downstream pulling from it meanwhile, the
 * relay's JSON summary once complete, and a clean stop on SIGTERM.
 */
class RelayCommandTest {
  @TempDir
  Path tmp;

  @Test
  void aRelayServesAtOnceReportsItsPullAndStopsCleanlyOnSigterm() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("origin"));
    TestFiles.random(root.resolve("ckpt.bin"), 24L * 1024 * 1024 + 3, 7);
    try (CliChild origin = CliChild.start(tmp.resolve("origin.log"), Map.of(), "serve", "--root", root.toString(),
        "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("origin-state").toString(), "--rate-limit", "8MB");
        CliChild relay = relay(origin)) {
      String[] r = relay.banner();
      assertFalse(relay.output().contains("\"verified\""), "the relay listens before its pull is complete");
      int code = Main.run("pull", "shardline://127.0.0.1:" + r[0] + "/ckpt.bin", tmp.resolve("down").toString(),
          "--trust", r[1], "--json");
      assertEquals(0, code);
      assertArrayEquals(Files.readAllBytes(root.resolve("ckpt.bin")), Files.readAllBytes(tmp.resolve("down/ckpt.bin")));
      JsonObject summary = summary(relay);
      assertTrue(summary.getBoolean("verified"), summary.encode());
      assertArrayEquals(Files.readAllBytes(root.resolve("ckpt.bin")), Files.readAllBytes(tmp.resolve("relay/ckpt.bin")));
      // a seed now: a second downstream is served from the complete copy, and curl gets it over HTTPS
      assertEquals(0, Main.run("pull", "shardline://127.0.0.1:" + r[0] + "/", tmp.resolve("down2").toString(),
          "--trust", r[1]));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("https on 127\\.0\\.0\\.1:(\\d+)").matcher(relay.output());
      assertTrue(m.find(), relay.output());
      Process curl = new ProcessBuilder("curl", "-sSk", "-o", tmp.resolve("curl.bin").toString(),
          "https://127.0.0.1:" + m.group(1) + "/ckpt.bin").redirectErrorStream(true).start();
      assertTrue(curl.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, curl.exitValue(), new String(curl.getInputStream().readAllBytes()));
      assertArrayEquals(Files.readAllBytes(root.resolve("ckpt.bin")), Files.readAllBytes(tmp.resolve("curl.bin")));
      relay.process.destroy(); // SIGTERM
      assertTrue(relay.process.waitFor(15, TimeUnit.SECONDS), "the relay stops on SIGTERM");
      assertFalse(relay.output().contains("Exception"), relay.output());
    }
  }

  @Test
  void aRelayWhoseUpstreamIsUnreachableFailsWithOneClearErrorAndPublishesNothing() throws Exception {
    try (CliChild relay = CliChild.start(tmp.resolve("relay.log"), Map.of(), "relay",
        "shardline://127.0.0.1:1/ckpt.bin", tmp.resolve("relay").toString(), "--listen", "127.0.0.1:0",
        "--insecure", "--state-dir", tmp.resolve("relay-state").toString(), "--progress-timeout", "5")) {
      assertEquals(1, relay.await(60));
      assertTrue(relay.output().contains("shardline relay: FAILED"), relay.output());
      assertFalse(Files.exists(tmp.resolve("relay/ckpt.bin")));
    }
  }

  private CliChild relay(CliChild origin) throws Exception {
    String[] o = origin.banner();
    return CliChild.start(tmp.resolve("relay.log"), Map.of(), "relay", "shardline://127.0.0.1:" + o[0] + "/ckpt.bin",
        tmp.resolve("relay").toString(), "--listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0", "--trust", o[1],
        "--json",
        "--state-dir", tmp.resolve("relay-state").toString());
  }

  /** The relay's one JSON line, once it printed it (bounded wait). */
  private static JsonObject summary(CliChild relay) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (String line : relay.output().split("\n")) {
        if (line.startsWith("{") && line.contains("\"verified\"")) {
          return new JsonObject(line);
        }
      }
      Thread.sleep(50); // polling the child's log, bounded by the deadline
    }
    throw new AssertionError("no summary: " + relay.output());
  }
}
