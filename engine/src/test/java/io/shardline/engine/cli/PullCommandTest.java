package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull command's contract: exit codes, exactly one JSON object on stdout, messages on stderr. */
class PullCommandTest {
  @TempDir
  Path tmp;
  Vertx vertx;
  ShardlineServer.Info info;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  PrintStream realOut;
  PrintStream realErr;

  @BeforeEach
  void serve() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.write(root.resolve("a.bin"), new byte[300_000]);
    Files.writeString(Files.createDirectories(root.resolve("d")).resolve("b.txt"), "hello");
    vertx = Vertx.vertx();
    info = new ShardlineServer(vertx, new ServeOptions().root(root).host("127.0.0.1").port(0)
        .stateDir(tmp.resolve("state")).instances(2)).start().toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    realOut = System.out;
    realErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() throws Exception {
    System.setOut(realOut);
    System.setErr(realErr);
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private String url() {
    return "shardline://127.0.0.1:" + info.port() + "/";
  }

  @Test
  void successPrintsOneJsonObjectAndExitsZero() {
    int code = Main.run("pull", url(), tmp.resolve("dest").toString(), "--trust", info.fingerprint().toString(),
        "--lanes", "2", "--json");
    String stdout = out.toString(StandardCharsets.UTF_8).trim();
    assertEquals(0, code, () -> "stderr: " + err);
    assertFalse(stdout.contains("\n"), "exactly one line on stdout: " + stdout);
    JsonObject j = new JsonObject(stdout);
    for (String k : new String[] {"files", "bytes", "wireBytes", "seconds", "lanes", "chunks", "retriedChunks",
        "resumedChunks", "verified"}) {
      assertTrue(j.containsKey(k), "JSON has " + k + ": " + stdout);
    }
    assertEquals(2, j.getInteger("files"));
    assertEquals(300_005L, j.getLong("bytes"));
    assertTrue(j.getBoolean("verified"));
    assertEquals("hello", readString(tmp.resolve("dest/d/b.txt")));
  }

  @Test
  void untrustedServerExitsNonZeroWithAClearMessage() {
    int code = Main.run("pull", url(), tmp.resolve("dest").toString(), "--trust", "sha256:" + "00".repeat(32), "--json");
    assertEquals(1, code);
    JsonObject j = new JsonObject(out.toString(StandardCharsets.UTF_8).trim());
    assertFalse(j.getBoolean("verified"));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("does not match the pinned"), e);
    assertTrue(e.contains("resumes"), "says whether a re-run resumes: " + e);
  }

  @Test
  void badArgumentsAreRefusedBeforeConnecting() {
    assertEquals(2, Main.run("pull", "http://x/", tmp.resolve("d").toString(), "--insecure"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("shardline://"), err::toString);
    assertEquals(2, Main.run("pull", url(), tmp.resolve("d").toString(), "--insecure", "--chunk-size", "1k"));
    assertEquals(2, Main.run("pull", url(), tmp.resolve("d").toString(), "--insecure", "--compression", "lz4"));
    assertFalse(Files.exists(tmp.resolve("d")), "nothing created for a refused command");
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
