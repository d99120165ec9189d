package io.shardline.engine.httpsget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.https.ByteRange;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.tls.SelfSignedCert;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pull https://} from a real nginx (started here on 127.0.0.1 with the node's self-signed
 * certificate, stopped by PID): byte-identical, checked by CA and by SHA-256, resumed after a
 * SIGKILL, a file changed mid-pull refused, redirects followed, errors clear; and from an
 * in-process server that fails on purpose: 503s and broken bodies retried per range.
 */
class HttpsPullTest {
  @TempDir
  static Path tmp;
  static Path root;
  static Path cert;
  static Process nginx;
  static String base;
  static Vertx vertx;
  static byte[] file;

  @BeforeAll
  static void startNginx() throws Exception {
    root = Files.createDirectories(tmp.resolve("www"));
    file = TestFiles.write(root.resolve("ckpt.bin"), 9 * 1024 * 1024 + 17, 3);
    Files.write(root.resolve("empty.bin"), new byte[0]);
    TestFiles.write(root.resolve("slow/big.bin"), 24 * 1024 * 1024, 4);
    Path[] pair = SelfSignedCert.ensure(tmp.resolve("pki"));
    cert = pair[0];
    int port = freePort();
    Path conf = tmp.resolve("nginx.conf");
    String t = tmp.toString();
    Files.writeString(conf, """
        user root;
        worker_processes 1;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/nginx-error.log;
        events { worker_connections 128; }
        http {
          access_log off;
          client_body_temp_path %1$s/cb; proxy_temp_path %1$s/px; fastcgi_temp_path %1$s/fc;
          uwsgi_temp_path %1$s/uw; scgi_temp_path %1$s/sc;
          server {
            listen 127.0.0.1:%2$d ssl;
            ssl_certificate %3$s; ssl_certificate_key %4$s;
            ssl_protocols TLSv1.3;
            root %5$s;
            location = /moved.bin { return 302 /ckpt.bin; }
            location /slow/ { limit_rate 1m; }
          }
        }
        """.formatted(t, port, pair[0], pair[1], root));
    nginx = new ProcessBuilder("nginx", "-c", conf.toString(), "-p", t)
        .redirectErrorStream(true).redirectOutput(tmp.resolve("nginx.out").toFile()).start();
    base = "https://127.0.0.1:" + port;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!listening(port)) {
      if (!nginx.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("nginx did not start: " + Files.readString(tmp.resolve("nginx.out")));
      }
      Thread.sleep(50);
    }
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  static HttpsPullResult pull(String url, Path dest, HttpsPullOptions o) throws Exception {
    o.url(URI.create(url)).destination(dest);
    return new HttpsPull(vertx, o).run().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  static HttpsPullOptions trusting() {
    return new HttpsPullOptions().trust(new Trust.CaFile(cert)).attempts(3);
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void aFileFromNginxArrivesByteIdenticalOverSeveralConnections() throws Exception {
    Path dest = tmp.resolve("d1");
    HttpsPullResult r = pull(base + "/ckpt.bin", dest, trusting().lanes(4).chunkSize(1024 * 1024));
    assertTrue(r.ok(), r.errors().toString());
    assertArrayEquals(file, Files.readAllBytes(dest.resolve("ckpt.bin")));
    assertEquals("etag", r.verifiedBy());
    assertFalse(r.verified(), "no digest was given: published, not verified");
    assertEquals(10, r.chunks());
    assertNotNull(r.etag());
    assertFalse(Files.exists(dest.resolve(".shardline")), "no state left behind");
    JsonObject json = r.toJson();
    assertEquals("etag", json.getString("verifiedBy"));
    assertEquals(file.length, json.getLong("bytes"));
  }

  @Test
  void withSha256TheDigestDecides() throws Exception {
    Path dest = tmp.resolve("d2");
    HttpsPullResult r = pull(base + "/ckpt.bin", dest, trusting().sha256(HexFormat.of().parseHex(sha256(file))));
    assertTrue(r.ok(), r.errors().toString());
    assertTrue(r.verified());
    assertEquals("sha256", r.verifiedBy());
    assertEquals(sha256(file), r.sha256());
    Path bad = tmp.resolve("d3");
    HttpsPullResult wrong = pull(base + "/ckpt.bin", bad, trusting().sha256(new byte[32]));
    assertFalse(wrong.ok());
    assertTrue(wrong.errors().get(0).contains("SHA-256"), wrong.errors().toString());
    assertFalse(Files.exists(bad.resolve("ckpt.bin")), "a file with the wrong digest is never published");
  }

  @Test
  void redirectsAreFollowedAndTheFileKeepsItsName() throws Exception {
    Path dest = tmp.resolve("d4");
    HttpsPullResult r = pull(base + "/moved.bin", dest, trusting());
    assertTrue(r.ok(), r.errors().toString());
    assertArrayEquals(file, Files.readAllBytes(dest.resolve("ckpt.bin")), "named as where the redirect led");
  }

  @Test
  void anEmptyFileIsPublishedEmpty() throws Exception {
    Path dest = tmp.resolve("d5");
    HttpsPullResult r = pull(base + "/empty.bin", dest, trusting());
    assertTrue(r.ok(), r.errors().toString());
    assertEquals(0, Files.size(dest.resolve("empty.bin")));
  }

  @Test
  void errorsAreClearAndNotRetried() throws Exception {
    HttpsPullResult missing = pull(base + "/nope.bin", tmp.resolve("d6"), trusting().attempts(8));
    assertFalse(missing.ok());
    assertTrue(missing.errors().get(0).contains("404"), missing.errors().toString());
    assertEquals(0, missing.retries());
    HttpsPullResult untrusted = pull(base + "/ckpt.bin", tmp.resolve("d7"),
        new HttpsPullOptions().trust(new Trust.SystemCas()).attempts(8));
    assertFalse(untrusted.ok());
    assertTrue(untrusted.errors().get(0).startsWith("TLS with 127.0.0.1 failed"), untrusted.errors().toString());
    assertEquals(0, untrusted.retries());
    assertFalse(Files.exists(tmp.resolve("d7/ckpt.bin")));
  }

  @Test
  void aFileChangedDuringThePullIsNotPublished() throws Exception {
    Path src = root.resolve("slow/changing.bin");
    TestFiles.write(src, 8 * 1024 * 1024, 5);
    Path dest = tmp.resolve("d8");
    Thread writer = new Thread(() -> {
      try {
        Thread.sleep(1500);
        Path next = root.resolve("slow/changing.next");
        TestFiles.write(next, 8 * 1024 * 1024, 6);
        Files.move(next, src, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    writer.start();
    HttpsPullResult r = pull(base + "/slow/changing.bin", dest, trusting().lanes(2).chunkSize(1024 * 1024));
    writer.join();
    assertFalse(r.ok(), "a change mid-pull must be refused");
    assertTrue(r.errors().get(0).contains("changed on the server"), r.errors().toString());
    assertFalse(Files.exists(dest.resolve("changing.bin")));
  }

  @Test
  void aKilledPullResumesWhereItStopped() throws Exception {
    Path dest = tmp.resolve("d9");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "io.shardline.engine.cli.Main", "pull", base + "/slow/big.bin", dest.toString(), "--ca", cert.toString(),
        "--lanes", "2", "--chunk-size", "1MiB", "--json"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("kill.log").toFile())
        .start();
    Path state = dest.resolve(".shardline");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (journalBytes(state) < 52 + 8 * 6 && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(100);
    }
    assertTrue(p.isAlive(), "the pull ended before it could be killed: " + Files.readString(tmp.resolve("kill.log")));
    new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
    p.waitFor(10, TimeUnit.SECONDS);
    assertFalse(Files.exists(dest.resolve("big.bin")), "nothing published by the killed pull");
    HttpsPullResult r = pull(base + "/slow/big.bin", dest, trusting().lanes(4).chunkSize(1024 * 1024));
    assertTrue(r.ok(), r.errors().toString());
    assertTrue(r.resumedChunks() >= 4, "resumed " + r.resumedChunks() + " chunks");
    assertArrayEquals(Files.readAllBytes(root.resolve("slow/big.bin")), Files.readAllBytes(dest.resolve("big.bin")));
  }

  static long journalBytes(Path state) throws Exception {
    if (!Files.isDirectory(state)) {
      return 0;
    }
    try (var s = Files.walk(state)) {
      return s.filter(f -> f.toString().endsWith(".journal")).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  @Test
  void serverErrorsAndBrokenBodiesAreRetriedPerRange() throws Exception {
    byte[] data = TestFiles.bytes(6 * 1024 * 1024 + 5, 9);
    AtomicInteger requests = new AtomicInteger();
    Path[] pair = SelfSignedCert.ensure(tmp.resolve("pki"));
    HttpServerOptions so = TlsSupport.server(new HttpServerOptions(), pair[0], pair[1], 10_000, null);
    HttpServer flaky = vertx.createHttpServer(so.setHost("127.0.0.1").setPort(0)).requestHandler(req -> {
      int n = requests.incrementAndGet();
      ByteRange r = ByteRange.of(req.getHeader("Range"), data.length);
      var resp = req.response().putHeader("ETag", "\"v1\"");
      if (n % 3 == 2) {
        resp.setStatusCode(503).end("busy");
        return;
      }
      if (!(r instanceof ByteRange.Part part)) {
        resp.setStatusCode(200).end(Buffer.buffer(data));
        return;
      }
      resp.setStatusCode(206).putHeader("Content-Range", part.contentRange(data.length))
          .putHeader("Content-Length", Long.toString(part.length()));
      byte[] slice = java.util.Arrays.copyOfRange(data, (int) part.first(), (int) part.last() + 1);
      if (n % 5 == 4 && slice.length > 1000) {
        resp.write(Buffer.buffer(java.util.Arrays.copyOf(slice, 1000)));
        req.connection().close(); // broken off mid-body
        return;
      }
      resp.end(Buffer.buffer(slice));
    }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      Path dest = tmp.resolve("d10");
      HttpsPullResult r = pull("https://127.0.0.1:" + flaky.actualPort() + "/f.bin", dest,
          new HttpsPullOptions().trust(new Trust.CaFile(cert)).lanes(3).chunkSize(1024 * 1024)
              .sha256(HexFormat.of().parseHex(sha256(data))));
      assertTrue(r.ok(), r.errors().toString());
      assertTrue(r.retries() >= 3, "retries " + r.retries());
      assertArrayEquals(data, Files.readAllBytes(dest.resolve("f.bin")));
      assertTrue(r.verified());
    } finally {
      flaky.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theProbesConnectionCarriesTheFirstLanesRanges() throws Exception {
    byte[] data = TestFiles.bytes(3 * 1024 * 1024 + 17, 12);
    AtomicInteger connections = new AtomicInteger();
    Path[] pair = SelfSignedCert.ensure(tmp.resolve("pki"));
    HttpServerOptions so = TlsSupport.server(new HttpServerOptions(), pair[0], pair[1], 10_000, null);
    HttpServer counting = vertx.createHttpServer(so.setHost("127.0.0.1").setPort(0))
        .connectionHandler(c -> connections.incrementAndGet()).requestHandler(req -> {
          ByteRange.Part part = (ByteRange.Part) ByteRange.of(req.getHeader("Range"), data.length);
          req.response().putHeader("ETag", "\"v1\"").setStatusCode(206)
              .putHeader("Content-Range", part.contentRange(data.length))
              .end(Buffer.buffer(java.util.Arrays.copyOfRange(data, (int) part.first(), (int) part.last() + 1)));
        }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      Path dest = tmp.resolve("oneconn");
      HttpsPullResult r = pull("https://127.0.0.1:" + counting.actualPort() + "/f.bin", dest,
          new HttpsPullOptions().trust(new Trust.CaFile(cert)).lanes(1).chunkSize(1024 * 1024));
      assertTrue(r.ok(), r.errors().toString());
      assertArrayEquals(data, Files.readAllBytes(dest.resolve("f.bin")));
      assertEquals(1, connections.get(), "one TLS handshake: the probe's connection went on with the ranges");
    } finally {
      counting.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLaneStreamsRunsOfChunksAndARunBrokenOffAsksOnlyForTheChunksNotYetIn() throws Exception {
    int chunk = 1024 * 1024;
    byte[] data = TestFiles.bytes(10 * chunk + 3, 11);
    java.util.List<String> ranges = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Path[] pair = SelfSignedCert.ensure(tmp.resolve("pki"));
    HttpServerOptions so = TlsSupport.server(new HttpServerOptions(), pair[0], pair[1], 10_000, null);
    HttpServer breaking = vertx.createHttpServer(so.setHost("127.0.0.1").setPort(0)).requestHandler(req -> {
      ranges.add(req.getHeader("Range"));
      ByteRange.Part part = (ByteRange.Part) ByteRange.of(req.getHeader("Range"), data.length);
      var resp = req.response().putHeader("ETag", "\"v1\"").setStatusCode(206)
          .putHeader("Content-Range", part.contentRange(data.length))
          .putHeader("Content-Length", Long.toString(part.length()));
      byte[] slice = java.util.Arrays.copyOfRange(data, (int) part.first(), (int) part.last() + 1);
      if (ranges.size() == 2) { // the first run: broken off half-way through its third chunk
        resp.write(Buffer.buffer(java.util.Arrays.copyOf(slice, 2 * chunk + chunk / 2)))
            .onComplete(ar -> vertx.setTimer(200, id -> req.connection().close()));
        return;
      }
      resp.end(Buffer.buffer(slice));
    }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      Path dest = tmp.resolve("runs");
      HttpsPullResult r = pull("https://127.0.0.1:" + breaking.actualPort() + "/f.bin", dest,
          new HttpsPullOptions().trust(new Trust.CaFile(cert)).lanes(1).chunkSize(chunk));
      assertTrue(r.ok(), r.errors().toString());
      assertArrayEquals(data, Files.readAllBytes(dest.resolve("f.bin")));
      // the probe, a run of HttpsPull.MAX_RUN_CHUNKS chunks, then its chunks from the third on, then the rest
      assertEquals("bytes=0-0", ranges.get(0));
      assertEquals("bytes=0-" + (HttpsPull.MAX_RUN_CHUNKS * chunk - 1), ranges.get(1));
      assertEquals("bytes=" + (2L * chunk) + "-" + (HttpsPull.MAX_RUN_CHUNKS * chunk - 1), ranges.get(2));
      assertEquals(4, ranges.size(), ranges.toString());
      assertEquals(1, r.retries());
    } finally {
      breaking.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aListOfUrlsIsPulledFileByFileAndADeadMirrorHandsOverToTheNext() throws Exception {
    Path list = tmp.resolve("urls.txt");
    int dead = freePort(); // nothing listens there
    Files.writeString(list, String.join("\n",
        "# a checkpoint and its config",
        "https://127.0.0.1:" + dead + "/ckpt.bin\t" + base + "/ckpt.bin",
        "  checksum=sha-256=" + sha256(file),
        "",
        base + "/empty.bin") + "\n");
    Path dest = tmp.resolve("from-list");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream was = System.out;
    int code;
    try {
      System.setOut(new java.io.PrintStream(out, true));
      code = io.shardline.engine.cli.Main.run("pull", "-i", list.toString(), dest.toString(), "--ca", cert.toString(),
          "--json");
    } finally {
      System.setOut(was);
    }
    assertEquals(0, code, out.toString());
    assertArrayEquals(file, Files.readAllBytes(dest.resolve("ckpt.bin")));
    assertEquals(0, Files.size(dest.resolve("empty.bin")));
    io.vertx.core.json.JsonObject j = new io.vertx.core.json.JsonObject(out.toString().strip());
    assertEquals(2, j.getJsonArray("files").size());
    assertEquals("sha256", j.getJsonArray("files").getJsonObject(0).getString("verifiedBy"));
    assertEquals(true, j.getBoolean("ok"));
    Files.writeString(list, base + "/ckpt.bin\n  out=other.bin\n");
    assertEquals(2, io.shardline.engine.cli.Main.run("pull", "-i", list.toString(), dest.toString(), "--ca",
        cert.toString()), "an option it does not know is refused, not ignored");
  }

  @Test
  void mirrorsOfTheSameVersionShareTheRangesAndOthersAreSetAside() throws Exception {
    Path copy = Files.createDirectories(root.resolve("copy"));
    Files.copy(root.resolve("ckpt.bin"), copy.resolve("ckpt.bin"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    TestFiles.write(copy.resolve("other.bin"), 1000, 9);
    int dead = freePort();
    HttpsPullOptions o = trusting().lanes(4).chunkSize(1024 * 1024).mirrors(List.of(
        URI.create(base + "/copy/ckpt.bin"), URI.create(base + "/copy/other.bin"),
        URI.create("https://127.0.0.1:" + dead + "/ckpt.bin")));
    HttpsPullResult r = pull(base + "/ckpt.bin", tmp.resolve("mirrored"), o);
    assertTrue(r.ok(), r.errors().toString());
    assertArrayEquals(file, Files.readAllBytes(tmp.resolve("mirrored/ckpt.bin")));
    assertEquals(2, r.urls(), r.toJson().encode());
    assertEquals(2, r.mirrorsSetAside().size(), r.toJson().encode());
    assertTrue(r.mirrorsSetAside().get(0).contains("serves 1000 bytes"), r.mirrorsSetAside().toString());
  }

  @Test
  void optionsAreCheckedWithClearMessages() {
    assertEquals(32, HttpsPullOptions.parseSha256("ab".repeat(32)).length);
    assertThrowsMessage(() -> HttpsPullOptions.parseSha256("abc"), "64 hex digits");
    assertThrowsMessage(() -> HttpsPullOptions.parseSha256("zz".repeat(32)), "not hex");
    assertEquals("X-Token", HttpsPullOptions.parseHeader("X-Token: abc")[0]);
    assertThrowsMessage(() -> HttpsPullOptions.parseHeader("novalue"), "Name: value");
    assertThrowsMessage(() -> HttpsPullOptions.parseHeader("Bad Name: v"), "not a header name");
    assertThrowsMessage(() -> new HttpsPullOptions().url(URI.create("http://x/y")).destination(tmp).validate(),
        "https://");
    assertEquals("a b.bin", HttpsPull.fileName(URI.create("https://h/dir/a%20b.bin?sig=1")));
    assertThrowsMessage(() -> HttpsPull.fileName(URI.create("https://h/dir/")), "names no file");
    assertThrowsMessage(() -> HttpsPull.fileName(URI.create("https://h/a%2Fb")), "names no file");
    assertThrowsMessage(() -> HttpsPull.fileName(URI.create("https://h/%2e%2e")), "names no file");
  }

  static void assertThrowsMessage(Runnable r, String part) {
    try {
      r.run();
    } catch (RuntimeException e) {
      assertTrue(e.getMessage().contains(part), e.getMessage());
      return;
    }
    throw new AssertionError("no error; expected one saying '" + part + "'");
  }
}
