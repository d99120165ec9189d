package io.shardline.gateway.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.shardline.gateway.testutil.GatewayHarness.Response;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, defect 3, on a real full disk: the gateway's data folder is a 2 MiB tmpfs, filled up
 * while the gateway runs. A submission answered 503 is neither listed nor run (a slot is free),
 * also after a restart; a rate change answered 503 does not change the job; /ready is 503 while
 * the journal cannot be written and 200 once space is freed; a retry with the same
 * Idempotency-Key then creates the job exactly once. Needs {@code mount -t tmpfs} (root); skipped
 * otherwise.
 */
@Timeout(120)
class FullJournalDiskTest {
  static final String OP = GatewayHarness.OPERATOR;
  static final String VIEW = GatewayHarness.VIEWER;

  @TempDir
  Path tmp;

  @Test
  void refusedCommandsOnAFullJournalDiskChangeNothing() throws Exception {
    Path mount = Files.createDirectories(tmp.resolve("journal-disk"));
    String why = run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mount.toString());
    Assumptions.assumeTrue(why == null, "cannot mount a tmpfs for the full-disk test (needs root): " + why);
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("small/a.bin"), 100_000, 1);
      GatewayHarness.file(h.source.resolve("big/c.bin"), 64_000_000, 3);
      h.startNode(o -> { }).startGateway(c -> c.put("dataDir", mount.toString()).put("maxRunningJobs", 2));
      // R runs (rate-limited, for a minute), P is paused: one slot stays free for a refused job to take
      String r = h.submit(job("ckpt:big", "local:running").put("rateLimit", 1_000_000)).getString("id");
      String p = h.submit(job("ckpt:big", "local:paused").put("rateLimit", 1_000_000)).getString("id");
      h.awaitState(r, "running", Duration.ofSeconds(10));
      h.awaitState(p, "running", Duration.ofSeconds(10));
      assertEquals(200, h.call("POST", "/api/v1/jobs/" + p + "/pause", OP, null).status());
      awaitLogEnds(h, p, "attempt-ended");
      assertEquals(200, h.call("GET", "/ready", null, null).status());

      Path filler = fill(mount);
      // The journal's last page may still have room: rate changes on P (the same size as one on R)
      // use it up, so every bigger or equal record is refused from the first refusal on.
      int accepted = 0;
      for (int i = 0; ; i++) {
        Response patch = h.call("PATCH", "/api/v1/jobs/" + p, OP,
            new JsonObject().put("rateLimit", i % 2 == 0 ? 2_000_000 : 1_000_000).encode());
        if (patch.status() == 503) {
          break;
        }
        assertEquals(200, patch.status(), patch.body());
        assertTrue(++accepted < 200, "the disk never filled up");
      }
      Set<String> before = ids(h);
      for (int i = 0; i < 5; i++) {
        Response refused = h.call("POST", "/api/v1/jobs", OP, job("ckpt:small", "local:refused-" + i).encode(),
            "Idempotency-Key", "retry-" + i);
        assertEquals(503, refused.status(), refused.body());
        assertTrue(refused.json().getString("detail").contains("journal"), refused.body());
      }
      assertEquals(503, h.call("GET", "/ready", null, null).status(), "/ready reports the journal");
      Response rate = h.call("PATCH", "/api/v1/jobs/" + r, OP, new JsonObject().put("rateLimit", 2_000_000).encode());
      assertEquals(503, rate.status(), rate.body());
      JsonObject rNow = h.call("GET", "/api/v1/jobs/" + r, VIEW, null).json();
      assertEquals(1_000_000, rNow.getLong("rateLimit"), "a refused rate change changes nothing");
      assertEquals("running", rNow.getString("state"));
      assertEquals(before, ids(h), "no refused job is listed");
      Thread.sleep(1500); // long enough for a (wrongly) accepted job to start in the free slot and finish
      for (int i = 0; i < 5; i++) {
        assertFalse(Files.exists(h.dest.resolve("refused-" + i)), "a refused job ran");
      }
      assertEquals(503, h.call("GET", "/ready", null, null).status());

      Files.delete(filler); // the operator frees space
      assertEquals(200, h.call("GET", "/ready", null, null).status(), "ready again once the journal can be written");
      Response retry = h.call("POST", "/api/v1/jobs", OP, job("ckpt:small", "local:refused-0").encode(),
          "Idempotency-Key", "retry-0");
      assertEquals(201, retry.status(), retry.body());
      assertNull(retry.header("Idempotent-Replayed"), "the retry created the job");
      Response replay = h.call("POST", "/api/v1/jobs", OP, job("ckpt:small", "local:refused-0").encode(),
          "Idempotency-Key", "retry-0");
      assertEquals("true", replay.header("Idempotent-Replayed"));
      String created = retry.json().getString("id");
      assertEquals(created, replay.json().getString("id"));
      h.awaitState(created, "succeeded", Duration.ofSeconds(30));
      assertTrue(Files.exists(h.dest.resolve("refused-0/a.bin")));
      assertEquals(200, h.call("POST", "/api/v1/jobs/" + r + "/cancel", OP, null).status());
      Set<String> after = ids(h);
      assertEquals(before.size() + 1, after.size());

      h.stopGateway(); // and after a restart, the journal holds the same jobs: no refused one
      h.startGateway(c -> c.put("dataDir", mount.toString()).put("maxRunningJobs", 2));
      assertEquals(after, ids(h));
      assertEquals("succeeded", h.call("GET", "/api/v1/jobs/" + created, VIEW, null).json().getString("state"));
      h.stopGateway();
    } finally {
      String u = run("umount", mount.toString());
      if (u != null) {
        run("umount", "-l", mount.toString());
      }
    }
  }

  private static JsonObject job(String src, String dst) {
    return new JsonObject().put("source", src).put("destination", dst);
  }

  private static Set<String> ids(GatewayHarness h) throws Exception {
    Set<String> ids = new HashSet<>();
    JsonObject page = h.call("GET", "/api/v1/jobs?limit=1000", VIEW, null).json();
    page.getJsonArray("jobs").forEach(o -> ids.add(((JsonObject) o).getString("id")));
    assertEquals(page.getInteger("total"), ids.size());
    return ids;
  }

  private static void awaitLogEnds(GatewayHarness h, String id, String type) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      var events = h.call("GET", "/api/v1/jobs/" + id + "/log", VIEW, null).json().getJsonArray("events");
      if (type.equals(events.getJsonObject(events.size() - 1).getString("type"))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("job " + id + "'s log never ended with " + type);
  }

  /** Fills the file system under {@code dir} to the last byte; returns the file to delete to free it. */
  private static Path fill(Path dir) throws IOException {
    Path f = dir.resolve("filler");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int size = 64 * 1024; size >= 1; size /= 2) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < 10_000; i++) {
          try {
            b.clear();
            ch.write(b);
          } catch (IOException full) {
            break;
          }
        }
      }
    }
    return f;
  }

  /** Runs a command; null when it worked, else what it printed. */
  private static String run(String... cmd) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.getMessage();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return cmd[0] + " timed out";
    }
    return p.exitValue() == 0 ? null : out.trim() + " (exit " + p.exitValue() + ")";
  }
}
