package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.tls.SelfSignedCert;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --https-listen 127.0.0.1:0 --https-layout hub} (in a child JVM) as the Hugging
 * Face Hub's clients meet it: the real {@code @huggingface/hub} client (pinned, installed with
 * npm into {@code target/}) run under node with the node as its {@code hubUrl}
 * ({@code hub-client.cjs}: listings, metadata, downloads byte-identical with the source,
 * errors), and curl for the headers the Python client reads and the Hub's error codes. One node
 * for the class, on free ports of 127.0.0.1.
 */
class HubLayoutTest {
  /** The client version the suite pins. */
  static final String CLIENT = "@huggingface/hub@2.17.5";
  /** The JS client takes only tokens that look like the Hub's ({@code hf_...}). */
  static final String TOKEN = "hf_shardline_hub_layout_test";
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  @TempDir
  static Path tmp;
  static Path root;
  /** The node: {@code serve} in a child JVM, stopped by PID in {@link #stop}. */
  static Process node;
  static String base;
  static Path cert;
  static byte[] big;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    Path main = root.resolve("acme/bert-tiny/main");
    big = TestFiles.write(main.resolve("model.safetensors"), 6 * 1024 * 1024 + 7, 3);
    write(main.resolve("config.json"), "{\"hidden_size\": 128}\n");
    write(main.resolve("sub/dir/vocab.txt"), "[PAD]\n[UNK]\nhello\n");
    write(root.resolve("acme/bert-tiny/v1/config.json"), "{\"hidden_size\": 64}\n");
    Files.writeString(tmp.resolve("secret.txt"), "OUTSIDE-THE-ROOT");
    Files.createSymbolicLink(main.resolve("escape"), tmp.resolve("secret.txt"));
    write(main.resolve(".shardline/partial"), "STATE");
    write(root.resolve("acme/linked/" + COMMIT + "/weights.bin"), "linked weights");
    Files.createSymbolicLink(root.resolve("acme/linked/main"), Path.of(COMMIT));
    write(root.resolve("gpt2/main/config.json"), "{\"n_layer\": 12}\n");
    for (int i = 0; i < HubMetadata.PAGE + 50; i++) {
      write(root.resolve(String.format(Locale.ROOT, "acme/many/main/shards/f%05d.txt", i)), Integer.toString(i));
    }
    Path state = tmp.resolve("state");
    cert = SelfSignedCert.ensure(state)[0]; // the node keeps it: its certificate, for NODE_EXTRA_CA_CERTS
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Path log = tmp.resolve("serve.log");
    node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:MaxDirectMemorySize=256m", "-cp", System.getProperty("java.class.path"), "io.shardline.engine.cli.Main",
        "serve", "--root", root.toString(), "--listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0",
        "--https-layout", "hub", "--token-file", tokenFile.toString(), "--state-dir", state.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    base = "https://127.0.0.1:" + httpsPort(node, log);
  }

  /** Waits for serve's "https on HOST:PORT" line. */
  static int httpsPort(Process p, Path log) throws Exception {
    Pattern banner = Pattern.compile("https on 127\\.0\\.0\\.1:(\\d+)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && p.isAlive()) {
      Matcher m = banner.matcher(Files.readString(log));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(20);
    }
    throw new AssertionError("serve did not start: " + Files.readString(log));
  }

  static void write(Path p, String text) throws Exception {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.destroy();
      if (!node.waitFor(15, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  // ---- the real JS client -------------------------------------------------------------------

  @Test
  void theHubJsClientListsAndDownloadsFromTheNode() throws Exception {
    Path prefix = clientInstalled();
    Path out = Files.createDirectories(tmp.resolve("js-out"));
    JsonObject r = runClient(prefix, out);

    JsonArray tree = r.getJsonArray("treeRecursive");
    Map<String, JsonObject> byPath = new TreeMap<>();
    tree.forEach(o -> byPath.put(((JsonObject) o).getString("path"), (JsonObject) o));
    assertEquals(List.of("config.json", "model.safetensors", "sub", "sub/dir", "sub/dir/vocab.txt"),
        List.copyOf(byPath.keySet()), "no state folder, no symlink out of the root: " + tree);
    assertEquals("file", byPath.get("model.safetensors").getString("type"));
    assertEquals(big.length, byPath.get("model.safetensors").getLong("size"));
    assertEquals("directory", byPath.get("sub/dir").getString("type"));
    String etag = curl("/acme/bert-tiny/resolve/main/model.safetensors", "-I").header("etag");
    assertEquals(etag.substring(1, etag.length() - 1), byPath.get("model.safetensors").getString("oid"),
        "a file's oid is its ETag's value");
    assertEquals(List.of("config.json", "model.safetensors", "sub"), paths(r.getJsonArray("treeTop")));
    assertEquals(List.of("sub/dir", "sub/dir/vocab.txt"), paths(r.getJsonArray("treeSub")));
    JsonArray many = r.getJsonArray("treeMany");
    assertEquals(HubMetadata.PAGE + 50 + 1, many.size(), "two pages, followed through Link: rel=next");
    assertEquals(new HashSet<>(many.getList()).size(), many.size(), "no entry twice");

    JsonObject model = r.getJsonObject("model");
    String sha = model.getString("sha");
    assertTrue(HubMetadata.COMMIT.matcher(sha).matches(), sha);
    assertEquals("acme/bert-tiny", model.getString("name"));
    assertEquals(List.of("config.json", "model.safetensors", "sub/dir/vocab.txt"),
        model.getJsonArray("filePaths").getList());
    assertEquals(COMMIT, r.getJsonObject("linked").getString("sha"), "main -> a commit folder: its name");

    JsonObject info = r.getJsonObject("info");
    assertEquals(big.length, info.getLong("size"));
    assertEquals(etag, info.getString("etag"));

    JsonObject bigFile = r.getJsonObject("big");
    assertEquals(big.length, bigFile.getLong("size"));
    assertEquals(sha256(big), bigFile.getString("sha256"));
    assertArrayEquals(big, Files.readAllBytes(out.resolve("model.safetensors")));
    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(out.resolve("vocab.txt")));
    assertEquals("{\"hidden_size\": 64}\n", Files.readString(out.resolve("config-v1.json")), "revision v1");
    assertEquals("{\"hidden_size\": 128}\n", Files.readString(out.resolve("config-sha.json")),
        "the commit id names the revision: " + r.getValue("atCommit"));
    assertEquals(5, r.getInteger("treeAtCommit"));
    assertEquals("{\"n_layer\": 12}\n", Files.readString(out.resolve("gpt2-config.json")), "a one-segment repo id");

    assertTrue(r.containsKey("missingFile") && r.getValue("missingFile") == null,
        "EntryNotFound: fileDownloadInfo answers null, " + r.getValue("missingFile"));
    assertEquals(404, error(r, "missingRepo").getInteger("status"));
    assertTrue(error(r, "missingRepo").getString("message").contains("Repository not found"), r.encode());
    assertEquals(404, error(r, "missingRevision").getInteger("status"));
    assertTrue(error(r, "missingRevision").getString("message").contains("Revision not found"), r.encode());
    assertEquals(400, error(r, "escape").getInteger("status"), "the symlink out of the root is refused");
    assertFalse(Files.exists(out.resolve("escape")));
    assertEquals(401, error(r, "wrongToken").getInteger("status"));

    Path repoCache = out.resolve("cache/models--acme--bert-tiny");
    Path snapshot = repoCache.resolve("snapshots/" + sha);
    assertEquals(snapshot.toString(), r.getString("snapshot"), "snapshotDownload: " + r.getValue("snapshot"));
    assertEquals(sha, Files.readString(repoCache.resolve("refs/main")));
    assertArrayEquals(big, Files.readAllBytes(snapshot.resolve("model.safetensors")));
    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(snapshot.resolve("sub/dir/vocab.txt")));
    assertEquals("{\"hidden_size\": 128}\n", Files.readString(snapshot.resolve("config.json")));
    assertTrue(Files.isRegularFile(repoCache.resolve("blobs/" + byPath.get("model.safetensors").getString("oid"))),
        "the blob is filed under the oid");
    assertEquals("{\"n_layer\": 12}\n", Files.readString(Path.of(r.getString("cached"))), "downloadFileToCacheDir");
  }

  static List<String> paths(JsonArray entries) {
    List<String> p = new ArrayList<>();
    entries.forEach(o -> p.add(((JsonObject) o).getString("path")));
    return p;
  }

  static JsonObject error(JsonObject r, String key) {
    JsonObject v = r.getJsonObject(key);
    assertNotNull(v, key + " should have failed: " + r.encode());
    assertNotNull(v.getJsonObject("error"), key + " should have failed: " + v);
    return v.getJsonObject("error");
  }

  /** The pinned client under {@code target/hubjs}, installed with npm unless it is there already. */
  static Path clientInstalled() throws Exception {
    boolean node = onPath("node");
    boolean npm = onPath("npm");
    if (!node || !npm) {
      System.err.println("\n*** HubLayoutTest: SKIPPING the @huggingface/hub client test: " + (node ? "" : "node ")
          + (npm ? "" : "npm ") + "not found on PATH (CI installs the nodejs and npm packages, .ci/run) ***\n");
    }
    assumeTrue(node && npm, "node and npm are needed to run the real @huggingface/hub client");
    Path prefix = Path.of("target", "hubjs").toAbsolutePath();
    Path pkg = prefix.resolve("node_modules/@huggingface/hub/package.json");
    String version = CLIENT.substring(CLIENT.lastIndexOf('@') + 1);
    if (Files.exists(pkg) && version.equals(new JsonObject(Files.readString(pkg)).getString("version"))) {
      return prefix;
    }
    Files.createDirectories(prefix);
    Process p = new ProcessBuilder("npm", "install", "--prefix", prefix.toString(), "--no-audit", "--no-fund",
        "--no-save", CLIENT).redirectErrorStream(true).redirectOutput(prefix.resolve("npm-install.log").toFile())
        .start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("npm install " + CLIENT + " did not finish in 300 s");
    }
    assertEquals(0, p.exitValue(), "npm install " + CLIENT + ": " + Files.readString(prefix.resolve("npm-install.log")));
    return prefix;
  }

  static boolean onPath(String exe) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) {
        return true;
      }
    }
    return false;
  }

  /** Runs {@code hub-client.cjs} and returns what it printed. */
  static JsonObject runClient(Path prefix, Path out) throws Exception {
    Path script = tmp.resolve("hub-client.cjs");
    try (var in = HubLayoutTest.class.getResourceAsStream("hub-client.cjs")) {
      Files.copy(in, script);
    }
    Path stdout = tmp.resolve("client.out");
    Path stderr = tmp.resolve("client.err");
    ProcessBuilder pb = new ProcessBuilder("node", script.toString(), prefix.toString(), base, TOKEN, out.toString())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    pb.environment().put("NODE_EXTRA_CA_CERTS", cert.toString());
    pb.environment().remove("HF_ENDPOINT");
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the client did not finish in 180 s: " + Files.readString(stderr));
    }
    assertEquals(0, p.exitValue(), "the client failed: " + Files.readString(stderr));
    return new JsonObject(Files.readString(out.resolve("result.json")));
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  // ---- curl: the headers and errors ---------------------------------------------------------

  @Test
  void resolveGivesTheHeadersTheClientsRead() throws Exception {
    HttpsFrontTest.Reply head = curl("/acme/bert-tiny/resolve/main/model.safetensors", "-I",
        "-H", "Accept-Encoding: identity");
    assertEquals(200, head.status());
    assertEquals(Long.toString(big.length), head.header("content-length"));
    assertEquals("bytes", head.header("accept-ranges"));
    String etag = head.header("etag");
    assertTrue(etag.startsWith("\"") && etag.endsWith("\""), "a strong, quoted ETag: " + etag);
    String commit = head.header("x-repo-commit");
    assertTrue(HubMetadata.COMMIT.matcher(commit).matches(), commit);
    JsonObject info = new JsonObject(curl("/api/models/acme/bert-tiny/revision/main").text());
    assertEquals(commit, info.getString("sha"), "X-Repo-Commit is the revision's sha");
    assertEquals("acme/bert-tiny", info.getString("id"));
    assertEquals(3, info.getJsonArray("siblings").size());
    assertEquals(commit, new JsonObject(curl("/api/models/acme/bert-tiny").text()).getString("sha"),
        "no revision: the default branch");
    assertEquals(commit, new JsonObject(curl("/api/models/acme/bert-tiny/revision/HEAD").text()).getString("sha"));

    HttpsFrontTest.Reply part = curl("/acme/bert-tiny/resolve/main/model.safetensors", "-r", "1000-2047");
    assertEquals(206, part.status());
    assertArrayEquals(Arrays.copyOfRange(big, 1000, 2048), part.body());
    assertEquals("bytes 1000-2047/" + big.length, part.header("content-range"));
    assertEquals(commit, part.header("x-repo-commit"));
    assertEquals(304, curl("/acme/bert-tiny/resolve/main/model.safetensors", "-H", "If-None-Match: " + etag).status());
    HttpsFrontTest.Reply whole = curl("/acme/bert-tiny/resolve/" + commit + "/model.safetensors");
    assertArrayEquals(big, whole.body(), "the commit id as revision");

    HttpsFrontTest.Reply linked = curl("/acme/linked/resolve/main/weights.bin");
    assertEquals("linked weights", linked.text(), "a branch that is a symlink to a commit folder");
    assertEquals(COMMIT, linked.header("x-repo-commit"));
    assertEquals(COMMIT, curl("/acme/linked/resolve/main/nope").header("x-repo-commit"));
    assertEquals("linked weights", curl("/acme/linked/resolve/" + COMMIT + "/weights.bin").text());
  }

  @Test
  void theCommitIdChangesWhenAFileChanges() throws Exception {
    Path f = root.resolve("gpt2/main/config.json");
    String before = curl("/gpt2/resolve/main/config.json", "-I").header("x-repo-commit");
    assertEquals(before, curl("/gpt2/resolve/main/config.json", "-I").header("x-repo-commit"), "stable");
    Files.writeString(f, "{\"n_layer\": 24}\n");
    Files.writeString(f, "{\"n_layer\": 12}\n"); // same bytes back: still another version (touched)
    Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    String after = curl("/gpt2/resolve/main/config.json", "-I").header("x-repo-commit");
    assertNotEquals(before, after);
    assertEquals(404, curl("/gpt2/resolve/" + before + "/config.json").status(), "the old commit is gone");
  }

  @Test
  void errorsAreTheHubs() throws Exception {
    HttpsFrontTest.Reply repo = curl("/acme/nope/resolve/main/config.json", "-I");
    assertEquals(404, repo.status());
    assertEquals("RepoNotFound", repo.header("x-error-code"));
    HttpsFrontTest.Reply rev = curl("/acme/bert-tiny/resolve/v9/config.json");
    assertEquals(404, rev.status());
    assertEquals("RevisionNotFound", rev.header("x-error-code"));
    assertEquals("application/json", rev.header("content-type"));
    assertTrue(new JsonObject(rev.text()).getString("error").startsWith("Revision not found"), rev.text());
    HttpsFrontTest.Reply entry = curl("/acme/bert-tiny/resolve/main/nope.bin", "-I");
    assertEquals(404, entry.status());
    assertEquals("EntryNotFound", entry.header("x-error-code"));
    assertEquals(curl("/acme/bert-tiny/resolve/main/config.json", "-I").header("x-repo-commit"),
        entry.header("x-repo-commit"), "the Python client caches a missing entry under the commit");
    assertEquals("EntryNotFound", curl("/acme/bert-tiny/resolve/main/sub").header("x-error-code"), "a directory");
    assertEquals("EntryNotFound", curl("/api/models/acme/bert-tiny/tree/main/config.json").header("x-error-code"));
    assertEquals("RepoNotFound", curl("/api/datasets/acme/bert-tiny/tree/main").header("x-error-code"));
    assertEquals("RevisionNotFound", curl("/api/models/acme/bert-tiny/revision/refs%2Fpr%2F1").header("x-error-code"));
    assertEquals(404, curl("/config.json").status(), "plain paths are not served in the Hub layout");
    HttpsFrontTest.Reply noToken = HttpsFrontTest.curlIn(tmp, base, "/acme/bert-tiny/resolve/main/config.json", false);
    assertEquals(401, noToken.status());
    assertTrue(new JsonObject(noToken.text()).containsKey("error"));
  }

  @Test
  void nothingOutsideTheRootIsEverServed() throws Exception {
    for (String path : List.of("/acme/bert-tiny/resolve/main/escape", "/acme/bert-tiny/resolve/main/../../../secret.txt",
        "/acme/bert-tiny/resolve/main/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt", "/acme/bert-tiny/resolve/%2e%2e/x",
        "/acme/%2e%2e/resolve/main/secret.txt", "/%2e%2e/%2e%2e/resolve/main/secret.txt",
        "/acme/bert-tiny/resolve/main/..%2F..%2F..%2F..%2Fsecret.txt", "/acme/bert-tiny/resolve/main/.shardline/partial",
        "/acme/bert-tiny/resolve/main/sub%5C..%5C..%5Cconfig.json", "/acme/bert-tiny/resolve/main/%00",
        "/acme/bert-tiny/resolve/main/%zz", "/api/models/acme/bert-tiny/tree/main/..%2F..",
        "/api/models/acme/bert-tiny/tree/main/.shardline")) {
      HttpsFrontTest.Reply r = curl(path);
      assertTrue(r.status() == 400 || r.status() == 404, path + ": " + r.status() + " " + r.text());
      assertFalse(r.text().contains("OUTSIDE-THE-ROOT") || r.text().contains("STATE"), path + ": " + r.text());
      assertFalse(r.text().contains(tmp.toString()), "errors never name the server's paths: " + r.text());
    }
  }

  @Test
  void pathsInfoTakesJsonAndForms() throws Exception {
    String url = "/api/models/acme/bert-tiny/paths-info/main";
    HttpsFrontTest.Reply json = curl(url, "-H", "Content-Type: application/json",
        "--data", "{\"paths\": [\"config.json\", \"sub\", \"nope.bin\"], \"expand\": true}");
    assertEquals(200, json.status(), json.text());
    JsonArray items = new JsonArray(json.text());
    assertEquals(List.of("config.json", "sub"), paths(items), "what is not there is left out");
    String commit = json.header("x-repo-commit");
    assertEquals(commit, items.getJsonObject(0).getJsonObject("lastCommit").getString("id"));
    assertEquals("directory", items.getJsonObject(1).getString("type"));
    HttpsFrontTest.Reply form = curl(url, "--data", "paths=config.json&paths=sub%2Fdir%2Fvocab.txt&expand=False");
    JsonArray formItems = new JsonArray(form.text());
    assertEquals(List.of("config.json", "sub/dir/vocab.txt"), paths(formItems));
    assertNull(formItems.getJsonObject(0).getValue("lastCommit"));
    assertEquals(400, curl(url, "--data", "paths=..%2F..%2Fsecret.txt").status());
    assertEquals(400, curl(url, "-H", "Content-Type: application/json", "--data", "{\"paths\": 3}").status());
    assertEquals(413, curl(url, "--data", "paths=" + "a".repeat(HubRoute.MAX_BODY)).status());
    assertEquals(405, curl("/acme/bert-tiny/resolve/main/config.json", "--data", "x=1").status());
    assertEquals(405, curl(url).status(), "paths-info is a POST");
    assertEquals(200, curl("/acme/bert-tiny/resolve/main/config.json").status(), "the node still serves");
  }

  static HttpsFrontTest.Reply curl(String path, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("-H", "Authorization: Bearer " + TOKEN));
    args.addAll(Arrays.asList(extra));
    return HttpsFrontTest.curlIn(tmp, base, path, false, args.toArray(String[]::new));
  }
}
