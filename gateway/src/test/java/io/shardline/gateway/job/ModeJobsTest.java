package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.push.PushReceiver;
import io.shardline.gateway.testutil.GatewayHarness;
import io.shardline.gateway.testutil.GatewayHarness.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs with a mode, against a real node on 127.0.0.1 that accepts pushes (as {@code serve
 * --accept-push --push-token-file}) and a real gateway: a push lands byte for byte in the node's
 * folder; a next version pushed or pulled moves little and shows what it reused; a sync mirrors
 * either way, deleting what the source does not have, and its log is in the job's audit log; a
 * dry run writes nothing; every bad combination is refused with problem+json and makes no job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class ModeJobsTest {
  static final String OP = GatewayHarness.OPERATOR;
  static final String VIEW = GatewayHarness.VIEWER;
  static final String PUSH_TOKEN = "push-secret-token";

  GatewayHarness h;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    h = new GatewayHarness(tmp);
    PushReceiver receiver = new PushReceiver(h.vertx, h.source);
    h.startNode(o -> o.pushToken(PUSH_TOKEN).pushAcceptor(receiver));
    Path tokenFile = Files.writeString(tmp.resolve("ckpt.push-token"), PUSH_TOKEN + "\n");
    h.startGateway(c -> {
      JsonObject remotes = c.getJsonObject("remotes");
      JsonObject readOnly = remotes.getJsonObject("ckpt").copy();
      remotes.getJsonObject("ckpt").put("pushTokenFile", tokenFile.toString());
      remotes.put("ro", readOnly);
      remotes.put("hub", new JsonObject().put("url", "https://127.0.0.1:1/mirror/"));
      c.getJsonObject("destinations").put("dfs", new JsonObject().put("hdfs", "hdfs://127.0.0.1:1/ckpts"));
      c.put("maxRunningJobs", 2);
    });
  }

  @AfterAll
  void stop() throws Exception {
    h.close();
  }

  private JsonObject run(JsonObject spec) throws Exception {
    String id = h.submit(spec).getString("id");
    return h.awaitState(id, "succeeded", Duration.ofSeconds(60));
  }

  private static JsonObject push(String local, String remote) {
    return new JsonObject().put("mode", "push").put("source", local).put("destination", remote);
  }

  @Test
  void aPushLandsTheFilesOnTheNodeByteForByte() throws Exception {
    GatewayHarness.file(h.dest.resolve("up/a.bin"), 3_000_000, 11);
    GatewayHarness.file(h.dest.resolve("up/sub/b.bin"), 100_000, 12);
    JsonObject done = run(push("local:up", "ckpt:in/p1").put("lanes", 3));
    assertEquals("push", done.getString("mode"));
    assertEquals("local:up", done.getString("source"));
    assertEquals("ckpt:in/p1", done.getString("destination"));
    assertEquals(tree(h.dest.resolve("up")), tree(h.source.resolve("in/p1")));
    assertEquals(3_100_000, done.getLong("bytesMoved"), "a first push moves every byte: " + done.encode());
    assertEquals(0, done.getLong("bytesReused"));
    assertEquals(2, done.getJsonObject("digests").size());
    assertEquals(100.0, done.getDouble("percent"));
    JsonArray log = h.call("GET", "/api/v1/jobs/" + done.getString("id") + "/log", VIEW, null).json().getJsonArray("events");
    assertEquals("push", log.getJsonObject(0).getJsonObject("data").getJsonObject("spec").getString("mode"));
    JsonObject succeeded = log.getJsonObject(log.size() - 1);
    assertEquals("succeeded", succeeded.getString("type"));
    assertTrue(succeeded.getJsonObject("data").getBoolean("verified"), succeeded.encode());
  }

  @Test
  void aNextVersionPushedReusesWhatTheNodeHas() throws Exception {
    Path v = GatewayHarness.file(h.dest.resolve("ver/w.bin"), 12 * 1024 * 1024, 21);
    run(push("local:ver", "ckpt:in/ver"));
    flipLastByte(v);
    JsonObject next = run(push("local:ver", "ckpt:in/ver"));
    assertArrayEquals(Files.readAllBytes(v), Files.readAllBytes(h.source.resolve("in/ver/w.bin")));
    assertTrue(next.getLong("bytesReused") > 0, "the node kept the unchanged chunks: " + next.encode());
    assertTrue(next.getLong("bytesMoved") < 12 * 1024 * 1024 / 2, next.encode());
  }

  @Test
  void aNextVersionPulledReusesWhatTheDestinationHas() throws Exception {
    GatewayHarness.file(h.source.resolve("pv/w.bin"), 12 * 1024 * 1024, 22);
    run(new JsonObject().put("source", "ckpt:pv").put("destination", "local:pulled"));
    flipLastByte(h.source.resolve("pv/w.bin"));
    JsonObject pulled = run(new JsonObject().put("source", "ckpt:pv").put("destination", "local:pulled"));
    assertEquals("pull", pulled.getString("mode"));
    assertArrayEquals(Files.readAllBytes(h.source.resolve("pv/w.bin")), Files.readAllBytes(h.dest.resolve("pulled/w.bin")));
    assertTrue(pulled.getLong("bytesReused") > 0, pulled.encode());
    assertTrue(pulled.getLong("bytesMoved") < 12 * 1024 * 1024 / 2, pulled.encode());
  }

  @Test
  void aPushDirectionSyncWithDeleteMirrorsTheFolderOnTheNode() throws Exception {
    GatewayHarness.file(h.dest.resolve("m/a.bin"), 500_000, 31);
    GatewayHarness.file(h.dest.resolve("m/d/c.bin"), 40_000, 32);
    GatewayHarness.file(h.source.resolve("mirror/a.bin"), 500_000, 33); // an older a.bin
    GatewayHarness.file(h.source.resolve("mirror/extra.bin"), 7_000, 34);
    GatewayHarness.file(h.source.resolve("mirror/gone/x.bin"), 9_000, 35);
    JsonObject done = run(new JsonObject().put("mode", "sync").put("direction", "push").put("delete", true)
        .put("source", "local:m").put("destination", "ckpt:mirror"));
    assertEquals(tree(h.dest.resolve("m")), tree(h.source.resolve("mirror")));
    assertFalse(Files.exists(h.source.resolve("mirror/gone")), "a folder left empty goes too");
    assertEquals("sync", done.getString("mode"));
    assertEquals("push", done.getString("direction"));
    assertTrue(done.getBoolean("delete"));
    assertEquals(2, done.getJsonObject("sync").getJsonObject("totals").getInteger("filesDeleted"), done.encode());
    JsonObject log = syncLogOf(done.getString("id"));
    assertEquals("push", log.getString("direction"));
    assertEquals(Map.of("a.bin", "changed", "d/c.bin", "new", "extra.bin", "deleted", "gone/x.bin", "deleted"), actions(log));
  }

  @Test
  void aPullDirectionSyncWithDeleteMirrorsTheNodesFolderHere() throws Exception {
    GatewayHarness.file(h.source.resolve("tree/x.bin"), 600_000, 41);
    GatewayHarness.file(h.source.resolve("tree/y/z.bin"), 50_000, 42);
    GatewayHarness.file(h.dest.resolve("copy/x.bin"), 600_000, 43); // stale
    GatewayHarness.file(h.dest.resolve("copy/old.bin"), 8_000, 44);
    JsonObject done = run(new JsonObject().put("mode", "sync").put("delete", true)
        .put("source", "ckpt:tree").put("destination", "local:copy"));
    assertEquals(tree(h.source.resolve("tree")), tree(h.dest.resolve("copy")));
    assertEquals("pull", done.getString("direction"));
    assertEquals(650_000, done.getLong("bytesMoved") + done.getLong("bytesReused"), done.encode());
    JsonObject log = syncLogOf(done.getString("id"));
    assertEquals(Map.of("x.bin", "changed", "y/z.bin", "new", "old.bin", "deleted"), actions(log));
    assertTrue(log.getBoolean("ok"));

    // a dry run compares and writes nothing, not even state
    GatewayHarness.file(h.dest.resolve("dry/keep.bin"), 1_000, 45);
    JsonObject dry = run(new JsonObject().put("mode", "sync").put("delete", true).put("dryRun", true)
        .put("source", "ckpt:tree").put("destination", "local:dry"));
    try (Stream<Path> s = Files.list(h.dest.resolve("dry"))) {
      assertEquals(List.of(h.dest.resolve("dry/keep.bin")), s.toList(), "a dry run wrote nothing");
    }
    assertTrue(dry.getBoolean("dryRun"));
    assertEquals(0, dry.getLong("bytesMoved"));
    JsonObject dryLog = syncLogOf(dry.getString("id"));
    assertTrue(dryLog.getBoolean("dryRun"));
    assertEquals(3, dryLog.getJsonArray("files").size(), dryLog.encode());
  }

  @Test
  void badCombinationsAreRefusedAndMakeNoJob() throws Exception {
    GatewayHarness.file(h.dest.resolve("bad/f.bin"), 1_000, 51);
    long before = h.call("GET", "/api/v1/jobs", VIEW, null).json().getLong("total");
    refused(push("local:bad", "ro:x"), 400, "pushTokenFile");
    refused(push("local:bad", "hub:x"), 400, "HTTPS server");
    refused(push("dfs:step-1", "ckpt:x"), 400, "cannot be pushed from");
    refused(push("nowhere:bad", "ckpt:x"), 400, "unknown local root 'nowhere'");
    refused(push("local:bad", "nowhere:x"), 400, "unknown remote 'nowhere'");
    refused(push("local:../outside", "ckpt:x"), 400, "source path");
    refused(push("local:bad/.shardline", "ckpt:x"), 400, ".shardline");
    refused(push("local:bad", "ckpt:../up"), 400, "destination path");
    refused(push("local:bad", "ckpt:x").put("lanes", 40), 400, "1..32 lanes");
    refused(push("local:bad", "ckpt:x").put("sha256", "a".repeat(64)), 400, "sha256");
    refused(push("local:bad", "ckpt:x").put("delete", true), 400, "delete is for sync jobs");
    refused(push("local:bad", "ckpt:x").put("direction", "push"), 400, "direction is for sync jobs");
    refused(new JsonObject().put("source", "ckpt:x").put("destination", "local:y").put("dryRun", true), 400,
        "dryRun is for sync jobs; this job's mode is pull (the default)");
    refused(new JsonObject().put("mode", "sync").put("source", "hub:f.bin").put("destination", "local:y"), 400,
        "HTTPS server");
    refused(new JsonObject().put("mode", "sync").put("source", "ckpt:x").put("destination", "dfs:y"), 400, "HDFS store");
    refused(new JsonObject().put("mode", "sync").put("direction", "push").put("source", "local:bad")
        .put("destination", "ro:x"), 400, "pushTokenFile");
    refused(new JsonObject().put("mode", "mirror").put("source", "ckpt:x").put("destination", "local:y"), 400,
        "the request does not match the API contract");
    refused(new JsonObject().put("mode", "sync").put("delete", "yes").put("source", "ckpt:x").put("destination", "local:y"),
        400, "the request does not match the API contract");
    // the role that submits: a viewer may not push, nor sync with delete
    Response viewer = h.call("POST", "/api/v1/jobs", VIEW, push("local:bad", "ckpt:x").encode());
    assertEquals(403, viewer.status(), viewer.body());
    Response viewerSync = h.call("POST", "/api/v1/jobs", VIEW, new JsonObject().put("mode", "sync").put("delete", true)
        .put("source", "ckpt:x").put("destination", "local:y").encode());
    assertEquals(403, viewerSync.status(), viewerSync.body());
    assertEquals(before, h.call("GET", "/api/v1/jobs", VIEW, null).json().getLong("total"), "no refused request made a job");
  }

  @Test
  void aPushOfAPathThatIsNotThereFailsSayingSo() throws Exception {
    String id = h.submit(push("local:missing", "ckpt:in/missing")).getString("id");
    JsonObject failed = h.awaitState(id, "failed", Duration.ofSeconds(60));
    assertTrue(failed.getString("error").contains("does not exist"), failed.encode());
    assertFalse(Files.exists(h.source.resolve("in/missing")));
  }

  private void refused(JsonObject body, int status, String detail) throws Exception {
    Response r = h.call("POST", "/api/v1/jobs", OP, body.encode());
    assertEquals(status, r.status(), body.encode() + " -> " + r.body());
    assertEquals("application/problem+json", r.header("Content-Type"), r.body());
    String d = r.json().getString("detail");
    assertNotNull(d, r.body());
    assertTrue(d.contains(detail), body.encode() + " -> " + d);
  }

  /** The sync log of the job's last event (its audit log keeps it). */
  private JsonObject syncLogOf(String id) throws Exception {
    JsonArray events = h.call("GET", "/api/v1/jobs/" + id + "/log", VIEW, null).json().getJsonArray("events");
    JsonObject last = events.getJsonObject(events.size() - 1);
    assertEquals("succeeded", last.getString("type"));
    JsonObject sync = last.getJsonObject("data").getJsonObject("sync");
    assertNotNull(sync, last.encode());
    return sync;
  }

  /** Every file's action in a sync log but the unchanged ones. */
  private static Map<String, String> actions(JsonObject log) {
    Map<String, String> out = new TreeMap<>();
    for (Object o : log.getJsonArray("files")) {
      JsonObject f = (JsonObject) o;
      if (!"same".equals(f.getString("action"))) {
        out.put(f.getString("path"), f.getString("action"));
      }
    }
    return out;
  }

  /** A folder's regular files (not its .shardline state) by relative path, with their bytes as hex digests. */
  private static Map<String, String> tree(Path root) throws Exception {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    Map<String, String> out = new TreeMap<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.filter(Files::isRegularFile).filter(p -> !root.relativize(p).toString().startsWith(".shardline")).forEach(files::add);
    }
    for (Path p : files) {
      out.put(root.relativize(p).toString().replace('\\', '/'), HexFormat.of().formatHex(sha256.digest(Files.readAllBytes(p))));
    }
    return out;
  }

  private static void flipLastByte(Path p) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.seek(f.length() - 1);
      int b = f.read();
      f.seek(f.length() - 1);
      f.write(b ^ 0xff);
    }
  }
}
