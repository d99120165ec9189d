package io.shardline.engine.push;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.testutil.Await;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.PullSession;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push (v7): the node pulls what the pusher serves on connections the pusher opens, into a folder
 * of its served tree; only the push token writes, and nothing lands outside that tree.
 */
class PushTest {
  private static final int CHUNK = 64 * 1024;
  private static final String READ = "read-token";
  private static final String WRITE = "push-token";

  @TempDir
  Path tmp;
  private Vertx vertx;
  private Path served;
  private ShardlineServer server;
  private ShardlineServer.Info info;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    served = Files.createDirectories(tmp.resolve("served"));
    startServer(true);
  }

  private void startServer(boolean acceptPush) throws Exception {
    ServeOptions o = new ServeOptions().root(served).host("127.0.0.1").port(0).stateDir(tmp.resolve("state"))
        .instances(2).token(READ);
    if (acceptPush) {
      o.pushToken(WRITE).pushAcceptor(new PushReceiver(vertx, served));
    }
    server = new ShardlineServer(vertx, o);
    info = Await.of(server.start());
  }

  @AfterEach
  void stop() throws Exception {
    Await.of(server.stop());
    Await.of(vertx.close());
  }

  private PushOptions push(Path local, String remoteDir) {
    return new PushOptions().local(local).target(new ShardlineUrl("127.0.0.1", info.port(), remoteDir))
        .token(WRITE).trust(new Trust.Pinned(info.fingerprint())).lanes(3).chunkSize(CHUNK)
        .connectTimeoutMs(5_000).progressTimeoutMs(10_000);
  }

  private PushResult run(PushOptions o) throws Exception {
    return Await.of(new PushSession(vertx, o).run());
  }

  private ShardlineException refused(PushOptions o) throws Exception {
    try {
      Await.of(new PushSession(vertx, o).run());
    } catch (ShardlineException e) {
      return e;
    } catch (ExecutionException e) {
      return (ShardlineException) e.getCause();
    }
    throw new AssertionError("the push was not refused");
  }

  private Path tree() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("ckpt"));
    TestFiles.write(src.resolve("model-00001.safetensors"), 20 * CHUNK + 123, 1);
    Files.createDirectories(src.resolve("opt"));
    TestFiles.write(src.resolve("opt/state.bin"), 3 * CHUNK, 2);
    TestFiles.write(src.resolve("config.json"), 321, 3);
    return src;
  }

  @Test
  void aTreeLandsInTheRemoteFolderByteForByteAndIsServedThere() throws Exception {
    Path src = tree();
    PushResult r = run(push(src, "runs/step100"));
    assertTrue(r.verified(), r::toJson);
    assertEquals(3, r.node().getInteger("files"));
    assertEquals(1, r.attempts());
    assertTrue(r.sentChunks() >= 24, r::toJson);
    Path landed = served.resolve("runs/step100");
    for (String f : List.of("model-00001.safetensors", "opt/state.bin", "config.json")) {
      assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(landed.resolve(f)), f);
    }
    // a reader of the served tree gets what was pushed, with its read token
    Path dest = tmp.resolve("reader");
    PullResult pulled = Await.of(new PullSession(vertx, new PullOptions()
        .source(new ShardlineUrl("127.0.0.1", info.port(), "runs/step100")).destination(dest).token(READ)
        .trust(new Trust.Pinned(info.fingerprint())).lanes(2).chunkSize(CHUNK)).run());
    assertTrue(pulled.ok(), pulled.errors()::toString);
    assertEquals(r.node().getJsonObject("digests").getMap(), Map(pulled.digests()));
    assertArrayEquals(Files.readAllBytes(src.resolve("opt/state.bin")), Files.readAllBytes(dest.resolve("opt/state.bin")));
  }

  private static java.util.Map<String, Object> Map(java.util.Map<String, String> m) {
    return new java.util.TreeMap<>(m);
  }

  @Test
  void aFileLandsAsRemoteDirSlashNameAndItsSiblingsAreNotServed() throws Exception {
    Path src = tree();
    PushResult r = run(push(src.resolve("config.json"), "one"));
    assertTrue(r.verified(), r::toJson);
    assertEquals(1, r.node().getInteger("files"));
    assertArrayEquals(Files.readAllBytes(src.resolve("config.json")), Files.readAllBytes(served.resolve("one/config.json")));
    try (Stream<Path> s = Files.list(served.resolve("one"))) {
      assertEquals(List.of("config.json"), s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".shardline"))
          .toList());
    }
  }

  @Test
  void theNextVersionMovesOnlyWhatChanged() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("v"));
    byte[] v1 = TestFiles.bytes(40 * CHUNK, 7);
    Files.write(src.resolve("ckpt.bin"), v1);
    assertTrue(run(push(src, "ckpt")).verified());
    byte[] v2 = v1.clone();
    byte[] fresh = TestFiles.bytes(2 * CHUNK, 8);
    System.arraycopy(fresh, 0, v2, 5 * CHUNK, CHUNK); // one tensor updated in place
    System.arraycopy(fresh, CHUNK, v2, 30 * CHUNK + 7, 1000);
    Files.write(src.resolve("ckpt.bin"), v2);
    PushResult r = run(push(src, "ckpt"));
    assertTrue(r.verified(), r::toJson);
    assertArrayEquals(v2, Files.readAllBytes(served.resolve("ckpt/ckpt.bin")));
    assertTrue(r.reusedBytes() >= 38L * CHUNK, r::toJson);
    assertTrue(r.bytes() <= 0.1 * v2.length, "moved " + r.bytes() + " of " + v2.length + ": " + r.toJson());
  }

  @Test
  void aPullInFlightKeepsTheVersionItListedWhileAPushReplacesTheFile() throws Exception {
    Path ckpt = Files.createDirectories(served.resolve("ckpt"));
    byte[] v1 = TestFiles.bytes(128 * CHUNK, 21);
    Files.write(ckpt.resolve("model.bin"), v1);
    Path dest = tmp.resolve("trainer");
    PullSession reader = new PullSession(vertx, new PullOptions()
        .source(new ShardlineUrl("127.0.0.1", info.port(), "ckpt")).destination(dest).token(READ)
        .trust(new Trust.Pinned(info.fingerprint())).lanes(2).chunkSize(CHUNK).rateLimit(500_000));
    // slow enough (~17 s) that the push below lands while it reads, even on a loaded machine
    io.vertx.core.Future<PullResult> reading = reader.run();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (reader.counters().chunks.sum() < 4 && System.nanoTime() < deadline) {
      Thread.sleep(20); // until the pull is under way, bounded
    }
    Path src = Files.createDirectories(tmp.resolve("next"));
    byte[] v2 = TestFiles.bytes(128 * CHUNK, 22);
    Files.write(src.resolve("model.bin"), v2);
    PushResult pushed = run(push(src, "ckpt"));
    assertTrue(pushed.verified(), pushed::toJson);
    assertArrayEquals(v2, Files.readAllBytes(ckpt.resolve("model.bin")), "the push replaced the file");
    assertFalse(reading.isComplete(), "the pull was still reading the old version when it was replaced");
    // a new reader meanwhile lists and gets the new version, while the first keeps the old one
    PullResult fresh = Await.of(new PullSession(vertx, new PullOptions()
        .source(new ShardlineUrl("127.0.0.1", info.port(), "ckpt")).destination(tmp.resolve("late")).token(READ)
        .trust(new Trust.Pinned(info.fingerprint())).lanes(2).chunkSize(CHUNK)).run());
    assertTrue(fresh.ok(), fresh.errors()::toString);
    assertArrayEquals(v2, Files.readAllBytes(tmp.resolve("late/model.bin")));
    PullResult r = Await.of(reading);
    assertTrue(r.ok(), r.errors()::toString);
    assertArrayEquals(v1, Files.readAllBytes(dest.resolve("model.bin")), "the pull got the version it listed, whole");
  }

  @Test
  void theReadTokenCannotPushAndNothingIsWritten() throws Exception {
    Path src = tree();
    ShardlineException e = refused(push(src, "x").token(READ));
    assertEquals(ErrorCode.AUTH_FAILED, e.code(), e.getMessage());
    assertFalse(Files.exists(served.resolve("x")));
    assertEquals(ErrorCode.AUTH_FAILED, refused(push(src, "x").token("")).code());
  }

  @Test
  void aNodeWithoutAcceptPushTakesNone() throws Exception {
    Await.of(server.stop());
    startServer(false);
    ShardlineException e = refused(push(tree(), "x"));
    assertEquals(ErrorCode.PUSH_REFUSED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("--accept-push"), e.getMessage());
    assertFalse(Files.exists(served.resolve("x")));
  }

  @Test
  void remoteFoldersThatEscapeTheServedTreeAreRefused() throws Exception {
    Path src = tree();
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(served.resolve("link"), outside);
    for (String bad : List.of("../outside", "a/../../outside", "link", "link/deeper", ".shardline", "a/.shardline/b")) {
      ShardlineException e = refused(push(src, bad)); // (a raw path: ShardlineUrl.parse would refuse it here first)
      assertEquals(ErrorCode.BAD_PATH, e.code(), bad + ": " + e.getMessage());
    }
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count(), "nothing was written outside the served tree");
    }
    Files.writeString(served.resolve("afile"), "x");
    assertEquals(ErrorCode.BAD_PATH, refused(push(src, "afile")).code(), "a file is not a folder");
  }
}
