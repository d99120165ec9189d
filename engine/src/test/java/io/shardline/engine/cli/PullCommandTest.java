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

  @Test
  void numericOptionsOutOfRangeNameTheOptionAndTheValidRange() {
    String d = tmp.resolve("d").toString();
    assertEquals(2, Main.run("pull", url(), d, "--insecure", "--chunk-size", "99999999999999999999"));
    String e = err.toString(StandardCharsets.UTF_8);
    assertFalse(e.contains("For input string"), e);
    assertTrue(e.contains("--chunk-size") && e.contains("too large") && e.contains("valid: 4.0 KiB..64.0 MiB"), e);
    err.reset();
    assertEquals(2, Main.run("pull", url(), d, "--insecure", "--chunk-size", "1g"));
    e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("--chunk-size: '1g' is out of range; valid: 4.0 KiB..64.0 MiB"), e);
    err.reset();
    assertEquals(2, Main.run("pull", url(), d, "--insecure", "--rate-limit", "99999999999999999999gbit"));
    e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("--rate-limit: rate out of range") && e.contains("valid: 1 B/s to 10 TB/s"), e);
    err.reset();
    for (String t : new String[] {"--stall-timeout", "--progress-timeout"}) {
      assertEquals(2, Main.run("pull", url(), d, "--insecure", t, "-1"));
      assertEquals(2, Main.run("pull", url(), d, "--insecure", t, "NaN"));
      assertEquals(2, Main.run("pull", url(), d, "--insecure", t, "1e300"));
      e = err.toString(StandardCharsets.UTF_8);
      assertTrue(e.contains(t + ": ") && e.contains("valid: more than 0 and at most 86400 seconds"), e);
      err.reset();
    }
    assertFalse(Files.exists(tmp.resolve("d")), "nothing created for a refused command");
  }

  @Test
  void aMissingTokenFileSaysWhatIsWrong() {
    Path missing = tmp.resolve("no-such-token");
    assertEquals(2, Main.run("pull", url(), tmp.resolve("d").toString(), "--insecure", "--token-file", missing.toString()));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("token file " + missing + " (--token-file): no such file"), e);
    err.reset();
    assertEquals(2, Main.run("serve", "--root", tmp.resolve("root").toString(), "--token-file", tmp.toString()));
    e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("token file " + tmp + " (--token-file): is a directory, not a file"), e);
  }

  @Test
  void pullingIntoAFileIsRefusedWithoutPromisingAResume() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    int code = Main.run("pull", url(), file.toString(), "--trust", info.fingerprint().toString());
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertTrue(e.contains(file + " exists and is not a directory") && e.contains("Nothing was written"), e);
    assertFalse(e.contains("kept") || e.contains("resumes"), "nothing was kept, and the message says no more: " + e);
    assertEquals("not a directory", Files.readString(file));
  }

  @Test
  void aFailedPullSaysWhatWasKeptAndHowToFreeIt() {
    Path dest = tmp.resolve("dest");
    assertTrue(PullCommand.afterFailure(dest).contains("no partial files were kept"), PullCommand.afterFailure(dest));
    writeBytes(dest.resolve(".shardline/ab/ab12.part"), 3 * 1024 * 1024);
    String kept = PullCommand.afterFailure(dest);
    assertTrue(kept.contains("verified chunks are kept in " + dest.resolve(".shardline") + " (partial files of 3.0 MiB)")
        && kept.contains("resumes") && kept.contains("delete " + dest.resolve(".shardline")), kept);
  }

  private static void writeBytes(Path p, int n) {
    try {
      Files.createDirectories(p.getParent());
      Files.write(p, new byte[n]);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
