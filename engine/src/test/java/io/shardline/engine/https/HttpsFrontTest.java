package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.tls.SelfSignedCert;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --https-listen} as curl (the real binary) meets it: whole files and ranges
 * byte-identical, validators and conditions, the token, the path rules, listings, limits and a
 * file that changes while it is sent. One front for the class on a free port of 127.0.0.1.
 */
class HttpsFrontTest {
  static final String TOKEN = "front-token";
  @TempDir
  static Path tmp;
  static Path root;
  static Vertx vertx;
  static HttpsFront front;
  static String base;
  static byte[] big;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    big = TestFiles.write(root.resolve("big.bin"), 5 * 1024 * 1024 + 123, 1);
    TestFiles.write(root.resolve("sub/a.txt"), 0, 0);
    Files.writeString(root.resolve("sub/a.txt"), "hello, range\n");
    Files.write(root.resolve("empty.bin"), new byte[0]);
    Files.writeString(tmp.resolve("secret.txt"), "OUTSIDE-THE-ROOT");
    Files.createSymbolicLink(root.resolve("out"), tmp.resolve("secret.txt"));
    Files.createSymbolicLink(root.resolve("sub/inside"), root.resolve("sub/a.txt"));
    Files.createDirectories(root.resolve(".shardline"));
    Files.writeString(root.resolve(".shardline/partial"), "STATE");
    vertx = Vertx.vertx();
    front = start(null);
    base = "https://127.0.0.1:" + front.port();
  }

  static HttpsFront start(TokenBucket bucket) throws Exception {
    Path[] pair = SelfSignedCert.ensure(tmp.resolve("state"));
    HttpsFront f = new HttpsFront(vertx, new HttpsFront.Config(root, "127.0.0.1", 0, pair[0], pair[1], null, TOKEN,
        bucket, 8, 64, 10_000, 60, 2, 1000));
    f.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return f;
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** One curl run: exit code, status, response headers (lower-case names) and body. */
  record Reply(int exit, int status, List<String> headers, byte[] body) {
    String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      for (String h : headers) {
        if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          return h.substring(prefix.length()).strip();
        }
      }
      return null;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  static Reply curl(String path, String... extra) throws Exception {
    return curlAt(base, path, true, extra);
  }

  static Reply curlAt(String at, String path, boolean token, String... extra) throws Exception {
    return curlIn(tmp, at, path, token, extra);
  }

  /** One curl run, its body and headers kept in {@code dir}. */
  static Reply curlIn(Path dir, String at, String path, boolean token, String... extra) throws Exception {
    Path body = Files.createTempFile(dir, "body", "");
    Path head = Files.createTempFile(dir, "head", "");
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-k", "--path-as-is", "-o", body.toString(), "-D",
        head.toString(), "-w", "%{http_code}", "--max-time", "60"));
    if (token) {
      cmd.addAll(List.of("-H", "Authorization: Bearer " + TOKEN));
    }
    cmd.addAll(Arrays.asList(extra));
    cmd.add(at + path);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("curl did not finish: " + cmd);
    }
    List<String> headers = Files.readAllLines(head, StandardCharsets.ISO_8859_1);
    return new Reply(p.exitValue(), status.isEmpty() ? 0 : Integer.parseInt(status), headers, Files.readAllBytes(body));
  }

  @Test
  void aWholeFileArrivesByteIdenticalWithItsValidators() throws Exception {
    Reply r = curl("/big.bin");
    assertEquals(0, r.exit());
    assertEquals(200, r.status());
    assertArrayEquals(big, r.body());
    assertEquals(Long.toString(big.length), r.header("content-length"));
    assertEquals("bytes", r.header("accept-ranges"));
    assertTrue(r.header("etag").startsWith("\""), r.header("etag"));
    assertTrue(r.header("last-modified").endsWith(" GMT"), r.header("last-modified"));
  }

  @Test
  void aRangeIsA206WithItsContentRange() throws Exception {
    Reply r = curl("/big.bin", "-r", "1000-1048575");
    assertEquals(206, r.status());
    assertArrayEquals(Arrays.copyOfRange(big, 1000, 1048576), r.body());
    assertEquals("bytes 1000-1048575/" + big.length, r.header("content-range"));
    Reply suffix = curl("/sub/a.txt", "-r", "-6");
    assertEquals(206, suffix.status());
    assertEquals("range\n", suffix.text());
    Reply open = curl("/big.bin", "-r", (big.length - 10) + "-");
    assertArrayEquals(Arrays.copyOfRange(big, big.length - 10, big.length), open.body());
  }

  @Test
  void aRangePastTheEndIs416() throws Exception {
    Reply r = curl("/sub/a.txt", "-r", "100-200");
    assertEquals(416, r.status());
    assertEquals("bytes */13", r.header("content-range"));
    assertEquals(416, curl("/empty.bin", "-r", "0-").status());
    Reply empty = curl("/empty.bin");
    assertEquals(200, empty.status());
    assertEquals(0, empty.body().length);
  }

  @Test
  void headGivesTheHeadersAndNoBody() throws Exception {
    Reply r = curl("/big.bin", "-I");
    assertEquals(200, r.status());
    assertEquals(Long.toString(big.length), r.header("content-length"));
    assertTrue(r.text().startsWith("HTTP/1.1 200"), "curl -I writes the head only: " + r.text());
    assertTrue(r.body().length < 1000);
  }

  @Test
  void conditionsUseTheCurrentVersion() throws Exception {
    String tag = curl("/sub/a.txt", "-I").header("etag");
    assertEquals(304, curl("/sub/a.txt", "-H", "If-None-Match: " + tag).status());
    assertEquals(200, curl("/sub/a.txt", "-H", "If-None-Match: \"other\"").status());
    assertEquals(412, curl("/sub/a.txt", "-H", "If-Match: \"other\"").status());
    Reply same = curl("/sub/a.txt", "-r", "0-4", "-H", "If-Range: " + tag);
    assertEquals(206, same.status());
    assertEquals("hello", same.text());
    Reply changed = curl("/sub/a.txt", "-r", "0-4", "-H", "If-Range: \"older\"");
    assertEquals(200, changed.status(), "If-Range of another version: the whole file");
    assertEquals("hello, range\n", changed.text());
  }

  @Test
  void withoutTheTokenNothingIsServed() throws Exception {
    Reply none = curlAt(base, "/big.bin", false);
    assertEquals(401, none.status());
    assertTrue(none.header("www-authenticate").startsWith("Bearer"), none.headers().toString());
    assertFalse(none.text().contains("hello"));
    Reply wrong = curlAt(base, "/sub/a.txt", false, "-H", "Authorization: Bearer nope");
    assertEquals(401, wrong.status());
    assertFalse(wrong.text().contains("hello"));
    assertEquals(401, curlAt(base, "/../../etc/passwd", false).status(), "the token is checked before the path");
    assertTrue(front.refused() >= 3);
  }

  @Test
  void nothingOutsideTheRootIsEverServed() throws Exception {
    for (String path : List.of("/../secret.txt", "/%2e%2e/secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt",
        "/sub/%2E%2E/../secret.txt", "/out", "/%2Fetc%2Fpasswd", "//etc/passwd", "/sub/..%2F..%2Fsecret.txt",
        "/.shardline/partial", "/sub/%00", "/%zz", "/sub//a.txt", "/sub/./a.txt", "/sub\\..\\..\\secret.txt")) {
      Reply r = curl(path);
      assertTrue(r.status() == 400 || r.status() == 404, path + ": " + r.status() + " " + r.text());
      assertFalse(r.text().contains("OUTSIDE-THE-ROOT") || r.text().contains("STATE") || r.text().contains("root:"),
          path + ": " + r.text());
      assertFalse(r.text().contains(tmp.toString()), "errors never name the server's paths: " + r.text());
    }
    assertEquals("hello, range\n", curl("/sub/inside").text(), "a symlink inside the root is served");
    assertEquals(404, curl("/no/such/file").status());
  }

  @Test
  void aDirectoryIsListedAsJsonWhenAsked() throws Exception {
    Reply r = curl("/?list");
    assertEquals(200, r.status());
    assertEquals("application/json", r.header("content-type"));
    JsonObject listing = new JsonObject(r.text());
    assertEquals("/", listing.getString("path"));
    JsonArray entries = listing.getJsonArray("entries");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      names.add(entries.getJsonObject(i).getString("name"));
    }
    assertEquals(List.of("big.bin", "empty.bin", "sub"), names, "no state folder, no symlink out of the root");
    JsonObject bigEntry = entries.getJsonObject(0);
    assertEquals("file", bigEntry.getString("type"));
    assertEquals(big.length, bigEntry.getLong("size"));
    assertEquals(curl("/big.bin", "-I").header("etag"), bigEntry.getString("etag"));
    assertEquals("directory", entries.getJsonObject(2).getString("type"));
    Reply sub = curl("/sub/", "-H", "Accept: application/json");
    assertEquals(List.of("a.txt", "inside"), new JsonObject(sub.text()).getJsonArray("entries").stream()
        .map(o -> ((JsonObject) o).getString("name")).toList());
    assertEquals(404, curl("/sub/").status(), "a directory without ?list");
  }

  @Test
  void onlyGetAndHeadWithoutABodyAreServed() throws Exception {
    Reply post = curl("/big.bin", "-X", "POST", "--data", "x");
    assertEquals(405, post.status());
    assertEquals("GET, HEAD", post.header("allow"));
    assertEquals(405, curl("/big.bin", "-X", "DELETE").status());
    assertEquals(400, curl("/sub/a.txt", "-X", "GET", "--data", "body").status());
  }

  @Test
  void oversizedRequestsAreRefused() throws Exception {
    Reply longHeader = curl("/sub/a.txt", "-H", "X-Big: " + "a".repeat(HttpsFront.MAX_HEADERS + 10));
    assertTrue(longHeader.status() == 431 || longHeader.status() == 400, "status " + longHeader.status());
    Reply longLine = curl("/" + "a".repeat(HttpsFront.MAX_REQUEST_LINE + 10));
    assertTrue(longLine.status() == 414 || longLine.status() == 400, "status " + longLine.status());
    assertEquals(200, curl("/sub/a.txt").status(), "the front still serves");
  }

  @Test
  void theShardlinePortAndTheFrontGetPortsOfTheirOwn() throws Exception {
    ShardlineServer node = new ShardlineServer(vertx, new ServeOptions().root(root).port(0)
        .stateDir(tmp.resolve("state")));
    int shardlinePort = node.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).port();
    HttpsFront other = start(null);
    try {
      assertNotEquals(shardlinePort, other.port(), "serve --listen :0 --https-listen :0 on one Vert.x");
      assertEquals(200, curlAt("https://127.0.0.1:" + other.port(), "/sub/a.txt", true).status());
    } finally {
      other.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFileThatChangesWhileItIsSentIsCutOff() throws Exception {
    Path f = root.resolve("changing.bin");
    TestFiles.write(f, 4 * 1024 * 1024, 7);
    HttpsFront slow = start(TokenBucket.of(2L * 1024 * 1024, 64 * 1024, System.nanoTime()));
    assertNotEquals(front.port(), slow.port(), "two fronts on port 0 get a port each");
    try {
      Thread t = new Thread(() -> {
        try {
          Thread.sleep(500);
          Files.write(f, TestFiles.bytes(4 * 1024 * 1024, 8));
        } catch (IOException | InterruptedException e) {
          throw new RuntimeException(e);
        }
      });
      t.start();
      long t0 = System.nanoTime();
      Reply r = curlAt("https://127.0.0.1:" + slow.port(), "/changing.bin", true);
      t.join();
      assertNotEquals(0, r.exit(), "curl must see a broken transfer, not a complete one");
      assertTrue(r.body().length < 4 * 1024 * 1024, "short: " + r.body().length);
      assertTrue(System.nanoTime() - t0 > 500_000_000L, "the rate limit held the body back");
    } finally {
      slow.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
