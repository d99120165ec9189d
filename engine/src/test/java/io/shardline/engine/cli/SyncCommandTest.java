package io.shardline.engine.cli;

import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.ShardlineUrl;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.sync.SyncLog;
import io.shardline.engine.sync.PullSync;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.testutil.TestFiles;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shardline sync} node → local folder, end to end on 127.0.0.1: into an empty folder, again
 * (nothing moves), after the source changed (a dry run lists exactly that and touches nothing),
 * with --delete (the folder becomes the source; extras go, .shardline/ and what a symlink points
 * to stay), the JSON log, and the refusals that lose nothing.
 */
class SyncCommandTest {
  private static final int CHUNK = 64 * 1024;

  @TempDir
  Path tmp;
  Path root;
  Path dst;
  Vertx vertx;
  ShardlineServer.Info info;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  PrintStream realOut;
  PrintStream realErr;

  @BeforeEach
  void serve() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    dst = tmp.resolve("dst");
    TestFiles.write(root.resolve("a.bin"), 5 * CHUNK - 1000, 1);
    Files.writeString(Files.createDirectories(root.resolve("d")).resolve("b.txt"), "hello");
    TestFiles.write(root.resolve("d/e/c.bin"), 70_000, 2);
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

  /** Runs {@code sync} with the test's trust, lanes and chunk size; stdout and stderr are reset first. */
  private int sync(String... more) {
    out.reset();
    err.reset();
    String[] args = Stream.concat(Stream.of("sync"), Stream.of(more)).toArray(String[]::new);
    String[] all = Stream.concat(Stream.of(args), Stream.of("--trust", info.fingerprint().toString(), "--lanes", "2",
        "--chunk-size", "64KiB")).toArray(String[]::new);
    return Main.run(all);
  }

  private JsonObject json() {
    String s = out.toString(StandardCharsets.UTF_8).trim();
    assertFalse(s.contains("\n"), "exactly one line on stdout: " + s);
    return new JsonObject(s);
  }

  private static Map<String, String> actions(JsonObject log) {
    Map<String, String> m = new TreeMap<>();
    for (Object o : log.getJsonArray("files")) {
      JsonObject f = (JsonObject) o;
      m.put(f.getString("path"), f.getString("action"));
    }
    return m;
  }

  private static JsonObject file(JsonObject log, String path) {
    for (Object o : log.getJsonArray("files")) {
      if (((JsonObject) o).getString("path").equals(path)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no " + path + " in " + log.encodePrettily());
  }

  /** Every entry under {@code dir} (symlinks not followed, .shardline included): kind, size, mtime. */
  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        m.put(dir.relativize(p).toString(), (a.isSymbolicLink() ? "link" : a.isDirectory() ? "dir" : "file") + " "
            + a.size() + " " + a.lastModifiedTime().toMillis());
      }
    }
    return m;
  }

  /** The regular files under {@code dir} outside .shardline/, with their bytes. */
  private static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> m = new HashMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        String rel = dir.relativize(p).toString();
        if (!rel.startsWith(".shardline/")) {
          m.put(rel, Files.readAllBytes(p));
        }
      }
    }
    return m;
  }

  private static void assertSameTree(Path a, Path b) throws IOException {
    Map<String, byte[]> x = files(a);
    Map<String, byte[]> y = files(b);
    assertEquals(new TreeMap<>(x).keySet(), new TreeMap<>(y).keySet());
    x.forEach((k, v) -> assertArrayEquals(v, y.get(k), k));
  }

  private static String root(Path file) throws IOException {
    return TestFiles.manifest(file, file.getFileName().toString(), CHUNK).rootHex();
  }

  @Test
  void mirrorsATreeThenMovesOnlyWhatChangedAndDeletesOnlyWhatTheSourceLacks() throws Exception {
    // 1. into an empty folder: every file is new
    assertEquals(0, sync(url(), dst.toString(), "--delete", "--json"), err::toString);
    JsonObject first = json();
    assertFalse(Files.exists(dst.resolve(".shardline")), "no state left behind by a sync that completed");
    assertEquals("pull", first.getString("direction"));
    assertEquals(url(), first.getString("source"));
    assertEquals(dst.toString(), first.getString("destination"));
    assertTrue(first.getBoolean("ok"));
    assertFalse(first.getBoolean("dryRun"));
    assertEquals(Map.of("a.bin", "new", "d/b.txt", "new", "d/e/c.bin", "new"), actions(first));
    assertEquals(5L * CHUNK - 1000, file(first, "a.bin").getLong("bytesMoved"));
    assertEquals(root(root.resolve("a.bin")), file(first, "a.bin").getString("digest"));
    JsonObject totals = first.getJsonObject("totals");
    assertEquals(3, totals.getInteger("filesMoved"));
    assertEquals(5L * CHUNK - 1000 + 5 + 70_000, totals.getLong("bytesMoved"));
    assertEquals(totals.getLong("bytesMoved"), totals.getLong("bytesFetched"));
    JsonObject pull = first.getJsonObject("pull");
    assertTrue(pull.getBoolean("verified"));
    assertEquals(3, pull.getInteger("files"));
    assertSameTree(root, dst);

    // 2. again: everything is the same, nothing moves
    assertEquals(0, sync(url(), dst.toString(), "--json"), err::toString);
    JsonObject second = json();
    assertEquals(Map.of("a.bin", "same", "d/b.txt", "same", "d/e/c.bin", "same"), actions(second));
    assertEquals(0, second.getJsonObject("totals").getInteger("filesMoved"));
    assertEquals(0L, second.getJsonObject("totals").getLong("bytesMoved"));
    assertEquals(0L, second.getJsonObject("pull").getLong("bytes"));
    assertEquals(root(root.resolve("d/e/c.bin")), file(second, "d/e/c.bin").getString("digest"));

    // 3. the source changes (a.bin's chunk 2 in place, a new file, one removed); DST gains extras
    byte[] a = Files.readAllBytes(root.resolve("a.bin"));
    a[2 * CHUNK + 17] ^= 0x5a;
    Files.write(root.resolve("a.bin"), a);
    Files.writeString(root.resolve("new.txt"), "fresh");
    Files.delete(root.resolve("d/b.txt"));
    Files.writeString(dst.resolve("extra.log"), "local only");
    TestFiles.write(dst.resolve("old/deep/x.bin"), 1234, 3);
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("precious.txt"), "not DST's");
    Files.createSymbolicLink(dst.resolve("link"), outside);
    Files.writeString(Files.createDirectories(dst.resolve(".shardline")).resolve("marker"), "state"); // a pull's own state

    // 4. a dry run lists exactly that and touches nothing
    Map<String, String> before = snapshot(dst);
    assertEquals(0, sync(url(), dst.toString(), "--dry-run", "--delete", "--json"), err::toString);
    JsonObject dry = json();
    assertTrue(dry.getBoolean("dryRun"));
    assertTrue(dry.getBoolean("delete"));
    assertNull(dry.getJsonObject("pull"), "no pull ran");
    assertEquals(Map.of("a.bin", "changed", "d/e/c.bin", "same", "new.txt", "new", "d/b.txt", "deleted",
        "extra.log", "deleted", "old/deep/x.bin", "deleted", "link", "extra"), actions(dry));
    JsonObject changed = file(dry, "a.bin");
    assertEquals((long) CHUNK, changed.getLong("bytesMoved"), "one chunk moves");
    assertEquals(4L * CHUNK - 1000, changed.getLong("bytesReused"), "four chunks are reusable at their offsets");
    assertEquals(root(root.resolve("a.bin")), changed.getString("digest"), "the digest it would publish");
    assertEquals("kept: symlink", file(dry, "link").getString("note"));
    assertEquals(new JsonArray().add("old/deep").add("old"), dry.getJsonArray("deletedDirs"));
    JsonObject dt = dry.getJsonObject("totals");
    assertEquals(2, dt.getInteger("filesMoved"));
    assertEquals(3, dt.getInteger("filesDeleted"));
    assertEquals(5L + "local only".length() + 1234, dt.getLong("bytesDeleted"));
    assertEquals(before, snapshot(dst), "a dry run writes nothing, not even .shardline/ state");
    // the same as a table
    assertEquals(0, sync(url(), dst.toString(), "--dry-run", "--delete"), err::toString);
    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(table.contains("dry run: nothing was written"), table);
    assertTrue(table.matches("(?s).*would delete .*extra\\.log.*"), table);
    assertTrue(table.matches("(?s).*would update .*moves 64\\.0 KiB, reuses .* locally .*a\\.bin.*"), table);
    assertEquals(before, snapshot(dst));

    // 5. --delete: DST becomes the source; .shardline/ and what the symlink points to stay
    assertEquals(0, sync(url(), dst.toString(), "--delete", "--json"), err::toString);
    JsonObject mirrored = json();
    assertTrue(mirrored.getBoolean("ok"), mirrored::encodePrettily);
    assertEquals(Map.of("a.bin", "changed", "d/e/c.bin", "same", "new.txt", "new", "d/b.txt", "deleted",
        "extra.log", "deleted", "old/deep/x.bin", "deleted", "link", "extra"), actions(mirrored));
    // the pull copies at least the four chunks from the older a.bin, and fetches at most the fifth
    // (a delta's level 2 rebuilds most of that one from the old bytes too)
    assertTrue(mirrored.getJsonObject("pull").getLong("reusedBytes") >= 4L * CHUNK - 1000, mirrored::encode);
    assertTrue(mirrored.getJsonObject("totals").getLong("bytesFetched") <= CHUNK + "fresh".length(), mirrored::encode);
    assertEquals(mirrored.getJsonObject("pull").getLong("bytes"), mirrored.getJsonObject("totals").getLong("bytesFetched"));
    assertEquals(3, mirrored.getJsonObject("totals").getInteger("filesDeleted"));
    assertEquals(2, mirrored.getJsonObject("totals").getInteger("dirsDeleted"));
    assertEquals(root(root.resolve("a.bin")), file(mirrored, "a.bin").getString("digest"));
    assertSameTree(root, dst);
    assertFalse(Files.exists(dst.resolve("old")), "folders left empty that the source lacks are removed");
    assertTrue(Files.isDirectory(dst.resolve("d/e")));
    assertTrue(Files.isSymbolicLink(dst.resolve("link")), "a symlink is reported and kept");
    assertEquals("not DST's", Files.readString(outside.resolve("precious.txt")), "never followed out of DST");
    assertEquals("state", Files.readString(dst.resolve(".shardline/marker")), ".shardline/ is never touched");
  }

  @Test
  void aFailedPullDeletesNothing() throws Exception {
    Files.createDirectories(dst);
    Files.writeString(dst.resolve("d"), "a file where the source has a folder"); // d/b.txt cannot land
    Files.writeString(dst.resolve("extra.log"), "local only");
    assertEquals(1, sync(url(), dst.toString(), "--delete", "--json"), out::toString);
    JsonObject log = json();
    assertFalse(log.getBoolean("ok"));
    assertEquals("extra", file(log, "extra.log").getString("action"));
    assertEquals(0, log.getJsonObject("totals").getInteger("filesDeleted"));
    assertEquals("local only", Files.readString(dst.resolve("extra.log")));
    assertEquals("a file where the source has a folder", Files.readString(dst.resolve("d")));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("FAILED") && e.contains("nothing was deleted"), e);
  }

  @Test
  void aSyncStoppedBeforeItsPullWritesAndDeletesNothing() throws Exception {
    Files.createDirectories(dst);
    Files.writeString(dst.resolve("extra.txt"), "mine");
    PullSync sync = new PullSync(vertx,
        new PullOptions().source(ShardlineUrl.parse(url()))
            .destination(dst).trust(new Trust.Pinned(info.fingerprint())).lanes(2)
            .chunkSize(CHUNK), true, false, PullSync.Progress.NONE);
    sync.cancel("the job was paused");
    SyncLog log = sync.run();
    assertFalse(log.ok());
    assertTrue(String.join("; ", log.allErrors()).contains("the job was paused"), log.allErrors()::toString);
    assertEquals("mine", Files.readString(dst.resolve("extra.txt")), "nothing deleted");
    assertFalse(Files.exists(dst.resolve("a.bin")), "nothing pulled");
  }

  @Test
  void refusalsSayWhatIsWrongAndLoseNothing() throws Exception {
    Files.createDirectories(dst);
    Files.writeString(dst.resolve("keep.txt"), "mine");
    // local -> node is a push: it needs the node's push token
    assertEquals(2, sync(dst.toString(), url()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--token-file must hold its push token"), err::toString);
    assertEquals(2, sync(dst.toString(), tmp.resolve("other").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("both sides are local"), err::toString);
    assertEquals(2, sync(url(), url()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("both sides are nodes"), err::toString);
    assertEquals(2, sync(url(), "s3://bucket/prefix"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("neither shardline://"), err::toString);
    // DST that is a file
    Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
    assertEquals(2, sync(url(), file.toString(), "--delete"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("is not a folder"), err::toString);
    assertEquals("not a folder", Files.readString(file));
    // --delete with a source that is one file would empty DST of everything else
    assertEquals(2, sync(url() + "a.bin", dst.toString(), "--delete"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--delete mirrors a folder"), err::toString);
    assertEquals("mine", Files.readString(dst.resolve("keep.txt")));
    assertFalse(Files.exists(dst.resolve("a.bin")));
    assertFalse(Files.exists(dst.resolve(".shardline")), "nothing written");
    // no trust option
    out.reset();
    err.reset();
    assertEquals(2, Main.run("sync", url(), dst.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--trust"), err::toString);
    assertFalse(Files.exists(dst.resolve(".shardline")));
  }

  @Test
  void aDryRunIntoAMissingFolderListsEveryFileAsNewAndCreatesNothing() {
    assertEquals(0, sync(url(), dst.toString(), "--dry-run", "--delete", "--json"), err::toString);
    JsonObject log = json();
    assertEquals(Map.of("a.bin", "new", "d/b.txt", "new", "d/e/c.bin", "new"), actions(log));
    assertEquals(3, log.getJsonObject("totals").getInteger("filesMoved"));
    assertFalse(Files.exists(dst), "a dry run creates nothing");
  }

  @Test
  void anUnreachableSourceFailsWithOneErrorAndWritesNothing() throws Exception {
    String dead = "shardline://127.0.0.1:1/";
    assertEquals(1, sync(dead, dst.toString(), "--delete", "--json"));
    JsonObject log = json();
    assertFalse(log.getBoolean("ok"));
    assertTrue(log.getJsonArray("errors").getString(0).startsWith("cannot list " + dead), log::encode);
    assertFalse(Files.exists(dst));
  }

  @Test
  void theTokenFileOfPullIsUsedForTheListingAndThePull() throws Exception {
    ShardlineServer.Info guarded = new ShardlineServer(vertx, new ServeOptions().root(root).host("127.0.0.1").port(0)
        .stateDir(tmp.resolve("state2")).instances(1).token("s3cret")).start().toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    String u = "shardline://127.0.0.1:" + guarded.port() + "/";
    Path token = Files.writeString(tmp.resolve("token"), "s3cret\n");
    out.reset();
    err.reset();
    assertEquals(1, Main.run("sync", u, dst.toString(), "--trust", guarded.fingerprint().toString(), "--json"));
    assertTrue(json().getJsonArray("errors").getString(0).startsWith("cannot list " + u), out::toString);
    assertFalse(Files.exists(dst), "a refused listing writes nothing");
    out.reset();
    assertEquals(0, Main.run("sync", u, dst.toString(), "--trust", guarded.fingerprint().toString(), "--token-file",
        token.toString(), "--json"), err::toString);
    assertEquals(Map.of("a.bin", "new", "d/b.txt", "new", "d/e/c.bin", "new"), actions(json()));
    assertSameTree(root, dst);
  }

  @Test
  void helpIsRegistered() {
    out.reset();
    assertEquals(0, Main.run("sync", "--help"));
    String help = out.toString(StandardCharsets.UTF_8);
    assertTrue(help.contains("--dry-run") && help.contains("--delete") && help.contains("--token-file"), help);
  }
}
