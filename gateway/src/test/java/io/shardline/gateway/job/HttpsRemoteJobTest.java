package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.https.HttpsFront;
import io.shardline.engine.tls.SelfSignedCert;
import io.shardline.gateway.testutil.GatewayHarness;
import io.shardline.gateway.testutil.GatewayHarness.Response;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway jobs from an {@code https://} remote: a node's HTTPS front (the real server, with its
 * bearer token) stands for any HTTPS server. The secret reaches the server from the remote's
 * header file or token file, never through a job, and no view or log shows it; the file is
 * published only once verified; pause, resume and rate changes work as for a node's jobs.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsRemoteJobTest {
  static final String SECRET = "front-secret-token-4711";
  Path tmp;
  GatewayHarness h;
  HttpsFront front;
  byte[] small;
  String smallSha;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    h = new GatewayHarness(tmp);
    small = Files.readAllBytes(GatewayHarness.file(h.source.resolve("m/a.bin"), 9_000_000, 1));
    smallSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(small));
    GatewayHarness.file(h.source.resolve("m/big.bin"), 24_000_000, 2);
    Path[] pair = SelfSignedCert.ensure(tmp.resolve("front-state"));
    front = new HttpsFront(h.vertx, new HttpsFront.Config(h.source, "127.0.0.1", 0, pair[0], pair[1], null, SECRET,
        null, 16, 64, 10_000, 60, 1, 100));
    GatewayHarness.await(front.start());
    Path headers = Files.writeString(tmp.resolve("web.headers"), "# sent with every request\nAuthorization: Bearer "
        + SECRET + "\nX-Trace: gateway-test\n");
    Path token = Files.writeString(tmp.resolve("web.token"), SECRET + "\n");
    String base = "https://127.0.0.1:" + front.port() + "/";
    h.startNode(o -> { }).startGateway(c -> c.getJsonObject("remotes")
        .put("web", new JsonObject().put("url", base).put("trust", pair[0].toString()).put("headersFile", headers.toString()))
        .put("webtoken", new JsonObject().put("url", base + "m").put("trust", pair[0].toString()).put("tokenFile", token.toString()))
        .put("nokey", new JsonObject().put("url", base).put("trust", pair[0].toString())));
  }

  @AfterAll
  void stop() throws Exception {
    h.close();
  }

  static JsonObject job(String src, String dst) {
    return new JsonObject().put("source", src).put("destination", dst);
  }

  @Test
  void aFileIsPulledWithTheHeaderFilesSecretAndVerifiedBySha256() throws Exception {
    String id = h.submit(job("web:m/a.bin", "local:one").put("sha256", smallSha.toUpperCase())).getString("id");
    JsonObject done = h.awaitState(id, "succeeded", Duration.ofSeconds(60));
    assertArrayEquals(small, Files.readAllBytes(h.dest.resolve("one/a.bin")));
    assertEquals(smallSha, done.getString("sha256"), "kept as submitted, in lowercase");
    assertEquals("sha256:" + smallSha, done.getJsonObject("digests").getString("a.bin"));
    assertEquals(9_000_000, done.getLong("bytesTotal"));
    JsonObject ended = lastEvent(id);
    assertTrue(ended.getJsonObject("data").getBoolean("verified"), ended.encode());
  }

  @Test
  void theTokenFileIsSentAsABearerTokenAndTheJobsPathFollowsTheBase() throws Exception {
    String id = h.submit(job("webtoken:a.bin", "local:two")).getString("id");
    JsonObject done = h.awaitState(id, "succeeded", Duration.ofSeconds(60));
    assertArrayEquals(small, Files.readAllBytes(h.dest.resolve("two/a.bin")));
    assertTrue(done.getJsonObject("digests").isEmpty(), "no digest was asked for, so none is claimed: " + done.encode());
    assertFalse(lastEvent(id).getJsonObject("data").getBoolean("verified"),
        "published on a stable ETag, which is no digest");
  }

  @Test
  void withoutTheSecretTheServersRefusalIsTheJobsErrorAndNothingIsWritten() throws Exception {
    String id = h.submit(job("nokey:m/a.bin", "local:three")).getString("id");
    JsonObject failed = h.awaitState(id, "failed", Duration.ofSeconds(60));
    assertTrue(failed.getString("error").contains("401"), failed.encode());
    assertFalse(Files.exists(h.dest.resolve("three/a.bin")));
  }

  @Test
  void aWrongSha256FailsTheJobAndPublishesNothing() throws Exception {
    String id = h.submit(job("web:m/a.bin", "local:four").put("sha256", "0".repeat(64))).getString("id");
    JsonObject failed = h.awaitState(id, "failed", Duration.ofSeconds(60));
    assertTrue(failed.getString("error").contains("SHA-256"), failed.encode());
    assertFalse(Files.exists(h.dest.resolve("four/a.bin")));
  }

  @Test
  void jobsThatCannotBeHttpsPullsAreRefusedAtSubmission() throws Exception {
    Response folder = h.call("POST", "/api/v1/jobs", GatewayHarness.OPERATOR, job("web:m/", "local:five").encode());
    assertEquals(400, folder.status(), folder.body());
    assertTrue(folder.body().contains("must name a file"), folder.body());
    Response shaOnNode = h.call("POST", "/api/v1/jobs", GatewayHarness.OPERATOR,
        job("ckpt:m/a.bin", "local:six").put("sha256", smallSha).encode());
    assertEquals(400, shaOnNode.status(), shaOnNode.body());
    assertTrue(shaOnNode.body().contains("https:// remotes"), shaOnNode.body());
    Response badSha = h.call("POST", "/api/v1/jobs", GatewayHarness.OPERATOR,
        job("web:m/a.bin", "local:seven").put("sha256", "abc").encode());
    assertEquals(400, badSha.status(), badSha.body());
  }

  @Test
  void anHttpsJobPausesResumesFromItsVerifiedChunksAndTakesRateChanges() throws Exception {
    String id = h.submit(job("web:m/big.bin", "local:slow").put("rateLimit", 2_000_000)).getString("id");
    h.awaitState(id, "running", Duration.ofSeconds(20));
    JsonObject progress = awaitProgress(id, 4_000_000);
    assertEquals(24_000_000, progress.getLong("bytesTotal"));
    assertEquals("paused", h.call("POST", "/api/v1/jobs/" + id + "/pause", GatewayHarness.OPERATOR, null).json()
        .getString("state"));
    Thread.sleep(300);
    assertFalse(Files.exists(h.dest.resolve("slow/big.bin")), "a paused job publishes nothing partial");
    h.call("POST", "/api/v1/jobs/" + id + "/resume", GatewayHarness.OPERATOR, null);
    h.awaitState(id, "running", Duration.ofSeconds(20));
    Response patched = h.call("PATCH", "/api/v1/jobs/" + id, GatewayHarness.OPERATOR,
        new JsonObject().put("rateLimit", 0).encode());
    assertEquals(200, patched.status(), patched.body());
    JsonObject done = h.awaitState(id, "succeeded", Duration.ofSeconds(60));
    assertTrue(done.getInteger("attempts") >= 2, done.encode());
    assertArrayEquals(Files.readAllBytes(h.source.resolve("m/big.bin")), Files.readAllBytes(h.dest.resolve("slow/big.bin")));
    JsonObject stats = lastEvent(id).getJsonObject("data");
    assertTrue(stats.getLong("resumedChunks") > 0, "the second attempt kept the first one's verified chunks: " + stats);
  }

  @Test
  void noViewOrLogEverShowsTheSecret() throws Exception {
    String id = h.submit(job("web:m/a.bin", "local:eight")).getString("id");
    h.awaitState(id, "succeeded", Duration.ofSeconds(60));
    String failing = h.submit(job("nokey:m/a.bin", "local:nine")).getString("id");
    h.awaitState(failing, "failed", Duration.ofSeconds(60));
    List<String> bodies = new ArrayList<>();
    bodies.add(h.call("GET", "/api/v1/jobs", GatewayHarness.VIEWER, null).body());
    for (String j : List.of(id, failing)) {
      bodies.add(h.call("GET", "/api/v1/jobs/" + j, GatewayHarness.VIEWER, null).body());
      bodies.add(h.call("GET", "/api/v1/jobs/" + j + "/log", GatewayHarness.VIEWER, null).body());
    }
    for (Path p : Files.walk(h.data).filter(Files::isRegularFile).toList()) {
      bodies.add(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
    for (String b : bodies) {
      assertFalse(b.contains(SECRET), "a secret leaked: " + b);
    }
  }

  @Test
  void aJobsPathIsPercentEncodedUnderTheBase() {
    URI base = URI.create("https://host:8443/mirror/");
    assertEquals("https://host:8443/mirror/a%20b/c%3Fd%23e.bin", JobRunner.fileUrl(base, "a b/c?d#e.bin").toString());
    assertEquals("https://host:8443/mirror/x:y/%25.bin", JobRunner.fileUrl(base, "/x:y/%.bin").toString());
  }

  private JsonObject lastEvent(String id) throws Exception {
    var events = h.call("GET", "/api/v1/jobs/" + id + "/log", GatewayHarness.VIEWER, null).json().getJsonArray("events");
    return events.getJsonObject(events.size() - 1);
  }

  private JsonObject awaitProgress(String id, long bytes) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonObject j = null;
    while (System.nanoTime() < deadline) {
      j = h.call("GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null).json();
      if (j.getLong("bytesDone") >= bytes) {
        return j;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no progress past " + bytes + " bytes: " + j);
  }
}
