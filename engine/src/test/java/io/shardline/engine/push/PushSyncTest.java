package io.shardline.engine.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.sync.SyncLog;
import io.shardline.engine.testutil.Await;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sync LOCAL shardline://...}: a push with the sync flags, compared, pulled and (with
 * --delete) pruned on the node, whose sync log comes back to the pusher.
 */
class PushSyncTest {
  private static final int CHUNK = 64 * 1024;

  @TempDir
  Path tmp;
  private Vertx vertx;
  private Path served;
  private Path mirror;
  private Path src;
  private ShardlineServer server;
  private ShardlineServer.Info info;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    served = Files.createDirectories(tmp.resolve("served"));
    server = new ShardlineServer(vertx, new ServeOptions().root(served).host("127.0.0.1").port(0)
        .stateDir(tmp.resolve("state")).instances(2).pushToken("w").pushAcceptor(new PushReceiver(vertx, served)));
    info = Await.of(server.start());
    // the node holds last week's mirror; the pusher has today's tree
    mirror = Files.createDirectories(served.resolve("mirror"));
    src = Files.createDirectories(tmp.resolve("src"));
    byte[] same = TestFiles.bytes(3 * CHUNK, 1);
    Files.write(mirror.resolve("same.bin"), same);
    Files.write(src.resolve("same.bin"), same);
    byte[] old = TestFiles.bytes(10 * CHUNK, 2);
    Files.write(mirror.resolve("ckpt.bin"), old);
    byte[] next = old.clone();
    System.arraycopy(TestFiles.bytes(CHUNK, 3), 0, next, 4 * CHUNK, CHUNK);
    Files.write(src.resolve("ckpt.bin"), next);
    Files.writeString(mirror.resolve("stale.log"), "gone tomorrow");
    Files.createDirectories(mirror.resolve("old-run"));
    Files.writeString(mirror.resolve("old-run/notes.txt"), "old");
    Files.createDirectories(src.resolve("new-run"));
    TestFiles.write(src.resolve("new-run/model.bin"), 2 * CHUNK + 9, 4);
  }

  @AfterEach
  void stop() throws Exception {
    Await.of(server.stop());
    Await.of(vertx.close());
  }

  private JsonObject sync(boolean delete, boolean dryRun) throws Exception {
    PushResult r = Await.of(new PushSession(vertx, new PushOptions().local(src)
        .target(new ShardlineUrl("127.0.0.1", info.port(), "mirror")).token("w")
        .trust(new Trust.Pinned(info.fingerprint())).lanes(2).chunkSize(CHUNK).sync(true).delete(delete).dryRun(dryRun))
        .run());
    assertTrue(r.verified(), r::toJson);
    return r.node().getJsonObject("sync");
  }

  private static String action(JsonObject log, String path) {
    for (Object o : log.getJsonArray("files")) {
      JsonObject f = (JsonObject) o;
      if (f.getString("path").equals(path)) {
        return f.getString("action");
      }
    }
    return null;
  }

  private Map<String, String> snapshot(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        out.put(dir.relativize(p).toString(), Files.isRegularFile(p)
            ? Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis() : "dir");
      }
    }
    return out;
  }

  @Test
  void aDryRunSaysWhatWouldMoveAndGoAndTheNodeWritesNothing() throws Exception {
    Map<String, String> before = snapshot(mirror);
    JsonObject log = sync(true, true);
    assertEquals("push", log.getString("direction"));
    assertEquals("/mirror", log.getString("destination"), "the node's own paths are not told");
    assertEquals("same", action(log, "same.bin"));
    assertEquals("changed", action(log, "ckpt.bin"));
    assertEquals("new", action(log, "new-run/model.bin"));
    assertEquals("deleted", action(log, "stale.log"));
    assertEquals("deleted", action(log, "old-run/notes.txt"));
    assertEquals(9L * CHUNK, log.getJsonObject("totals").getLong("bytesReused"), "9 of ckpt.bin's 10 chunks are there");
    assertEquals(before, snapshot(mirror), "a dry run writes nothing on the node");
    String text = SyncLog.text(log, b -> SyncLog.human(b));
    assertTrue(text.contains("would delete") && text.contains("stale.log"), text);
  }

  @Test
  void syncWithDeleteMakesTheNodesFolderTheSourceTree() throws Exception {
    JsonObject log = sync(true, false);
    assertTrue(log.getBoolean("ok"), log.encode());
    for (String f : new String[] {"same.bin", "ckpt.bin", "new-run/model.bin"}) {
      assertEquals(-1L, Files.mismatch(src.resolve(f), mirror.resolve(f)), f);
    }
    assertFalse(Files.exists(mirror.resolve("stale.log")));
    assertFalse(Files.exists(mirror.resolve("old-run")), "a folder left empty goes too");
    assertEquals(2, log.getJsonObject("totals").getInteger("filesDeleted"));
    assertTrue(log.getJsonObject("pull").getLong("reusedBytes") >= 9L * CHUNK, log.encode());
  }

  @Test
  void withoutDeleteExtrasStay() throws Exception {
    JsonObject log = sync(false, false);
    assertEquals("extra", action(log, "stale.log"));
    assertTrue(Files.exists(mirror.resolve("stale.log")));
    assertEquals(-1L, Files.mismatch(src.resolve("ckpt.bin"), mirror.resolve("ckpt.bin")));
  }
}
