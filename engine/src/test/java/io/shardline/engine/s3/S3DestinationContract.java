package io.shardline.engine.s3;

import io.shardline.engine.testutil.CliChild;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code pull shardline://... s3://BUCKET/PREFIX} from a local {@code serve} child into a real
 * S3-compatible server: a tree of 200+ files and a large file arrive byte-identical; a pull
 * SIGKILLed mid-upload and run again resumes from {@code ListParts} (parts the store lists with
 * their CRC32C are not sent again) and no partial object is ever listed under its key; each
 * bad destination is one clear error, exit code 1, nothing left behind. Run against each server
 * by a subclass ({@link #kind()}).
 */
abstract class S3DestinationContract {
  @TempDir
  static Path tmp;
  static S3TestServer server;
  static S3Client s3;
  static CliChild serve;
  static String[] portFp;
  static final Map<String, byte[]> tree = new TreeMap<>();
  /** A large file: 6 parts of 8 MiB, the last short. */
  static final int BIG = 6 * 8 * 1024 * 1024 - 5;
  /** The serving node's rate limit: slow enough to SIGKILL a pull mid-upload. */
  static final long RATE = 12_000_000;

  /** Starts the store (the subclass's kind) and a rate-limited local serve of the test tree. */
  static void start(S3TestServer.Kind kind) throws Exception {
    server = S3TestServer.start(kind, tmp);
    s3 = server.client();
    s3.createBucket(b -> b.bucket("dst"));
    SplittableRandom rnd = new SplittableRandom(25);
    Path root = tmp.resolve("served");
    for (int i = 0; i < 205; i++) {
      byte[] data = new byte[rnd.nextInt(0, 20_000)];
      rnd.nextBytes(data);
      tree.put("tree/s" + (i % 5) + "/f" + i + ".bin", data);
    }
    byte[] big = new byte[BIG];
    rnd.nextBytes(big);
    tree.put("tree/big.bin", big);
    byte[] big2 = new byte[BIG];
    rnd.nextBytes(big2);
    tree.put("kill/big.bin", big2);
    for (Map.Entry<String, byte[]> e : tree.entrySet()) {
      Path f = root.resolve(e.getKey());
      Files.createDirectories(f.getParent());
      Files.write(f, e.getValue());
    }
    serve = CliChild.start(tmp.resolve("serve.log"), Map.of(), "serve", "--root", root.toString(), "--listen",
        "127.0.0.1:0", "--state-dir", tmp.resolve("serve-state").toString(), "--rate-limit", Long.toString(RATE));
    portFp = serve.banner();
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null) {
      serve.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (server != null) {
      server.close();
    }
  }

  abstract S3TestServer.Kind kind();

  /** Whether this store lists each part's CRC32C in {@code ListParts} (so parts can be verified on resume). */
  abstract boolean listsPartChecksums();

  CliChild pull(String name, Map<String, String> env, String path, String dest, String... more) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("pull", "shardline://127.0.0.1:" + portFp[0] + "/" + path,
        dest, "--trust", portFp[1], "--json"));
    args.addAll(List.of(more));
    if (!args.contains("--s3-endpoint")) {
      args.addAll(List.of("--s3-endpoint", server.endpoint.toString()));
    }
    return CliChild.start(tmp.resolve(name + ".log"), env, args.toArray(String[]::new));
  }

  Map<String, String> env() {
    return server.env(tmp, server.accessKey, server.secretKey);
  }

  static JsonObject json(String out) {
    return new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
  }

  byte[] object(String key) {
    return s3.getObjectAsBytes(b -> b.bucket("dst").key(key)).asByteArray();
  }

  List<String> keys(String prefix) {
    return s3.listObjectsV2Paginator(b -> b.bucket("dst").prefix(prefix)).contents().stream().map(S3Object::key)
        .toList();
  }

  int uploads() {
    return s3.listMultipartUploads(b -> b.bucket("dst")).uploads().size();
  }

  int parts(String key) {
    var ups = s3.listMultipartUploads(b -> b.bucket("dst").prefix(key)).uploads();
    return ups.isEmpty() ? 0 : s3.listParts(b -> b.bucket("dst").key(key).uploadId(ups.get(0).uploadId())).parts().size();
  }

  @Test
  void aTreeIsPulledIntoS3ByteIdentical() throws Exception {
    try (CliChild pull = pull("tree", env(), "tree", "s3://dst/copy/")) {
      int code = pull.await(180);
      assertEquals(0, code, pull.output());
      JsonObject r = json(pull.output());
      assertEquals(206, r.getInteger("files"), r::encode);
      for (Map.Entry<String, byte[]> e : tree.entrySet()) {
        if (e.getKey().startsWith("tree/")) {
          assertArrayEquals(e.getValue(), object("copy/" + e.getKey().substring(5)), e.getKey());
        }
      }
      assertEquals(206, keys("copy/").size());
      assertEquals(0, uploads(), "every upload was completed");
      assertFalse(pull.output().contains(server.secretKey), "the secret never reaches the output");
    }
    // The same pull again: every object is found complete by the store's composite CRC32C of it
    // (computed from the manifest's chunk CRCs), so nothing is sent.
    try (CliChild again = pull("tree-again", env(), "tree", "s3://dst/copy")) {
      assertEquals(0, again.await(180), again.output());
      JsonObject r = json(again.output());
      assertEquals(0, r.getInteger("chunks"), r::encode);
      assertEquals(206, r.getInteger("files"), r::encode);
      assertArrayEquals(tree.get("tree/big.bin"), object("copy/big.bin"));
    }
  }

  @Test
  void aPullKilledMidUploadResumesFromListPartsAndNoPartialObjectIsEverListed() throws Exception {
    String key = "resumed/big.bin";
    int seenBeforeKill;
    try (CliChild first = pull("kill1", env(), "kill", "s3://dst/resumed")) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (parts(key) < 2 && first.process.isAlive() && System.nanoTime() < deadline) {
        assertNoPartialObject(key);
        Thread.sleep(20); // polling the store, bounded by the deadline
      }
      assertTrue(first.process.isAlive(), "the pull is still uploading: " + first.output());
      first.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL, by PID
    }
    seenBeforeKill = parts(key);
    assertTrue(seenBeforeKill >= 2 && seenBeforeKill < 6, "parts before the kill: " + seenBeforeKill);
    assertFalse(keys("resumed/").contains(key), "a killed upload leaves no object under its key");

    try (CliChild second = pull("kill2", env(), "kill", "s3://dst/resumed")) {
      while (second.process.isAlive()) {
        assertNoPartialObject(key);
        Thread.sleep(20); // polling the store; await() below bounds the run
      }
      assertEquals(0, second.await(120), second.output());
      JsonObject r = json(second.output());
      int resumed = r.getInteger("resumedChunks");
      int sent = r.getInteger("chunks");
      System.out.printf("%s resume after SIGKILL: %d parts listed before the kill, %d resumed, %d sent again%n",
          kind(), seenBeforeKill, resumed, sent);
      if (listsPartChecksums()) {
        assertEquals(seenBeforeKill, resumed, "every part the store listed with its CRC32C is kept");
      } else {
        assertEquals(0, resumed, "parts the store lists without a checksum are sent again");
      }
      assertEquals(6, resumed + sent, r::encode);
    }
    assertArrayEquals(tree.get("kill/big.bin"), object(key));
    assertEquals(0, uploads(), "the resumed upload was completed");
  }

  /** Whatever the moment, an object listed under {@code key} is the whole file. */
  private void assertNoPartialObject(String key) {
    if (keys(key).contains(key)) {
      assertArrayEquals(tree.get("kill/big.bin"), object(key), "an object listed under its key is complete");
    }
  }

  @Test
  void eachBadDestinationIsOneClearErrorAndLeavesNothing() throws Exception {
    int before = uploads();
    assertFails(pull("nobucket", env(), "tree/s1", "s3://no-such-bucket/x"), "the bucket does not exist");
    assertFails(pull("unreachable", env(), "tree/s1", "s3://dst/bad", "--s3-endpoint",
        "http://127.0.0.1:" + S3TestServer.freePort()), "cannot reach the S3 endpoint");
    assertFails(pull("escape", env(), "tree/s1", "s3://dst/a/../b"), "'..' segment");
    if (kind() == S3TestServer.Kind.S3PROXY) { // S3Mock accepts any credentials
      assertFails(pull("badcreds", server.env(tmp, server.accessKey, "wrong-" + server.secretKey), "tree/s1",
          "s3://dst/bad"), "refused the credentials");
    }
    assertEquals(before, uploads(), "no multipart upload left behind");
    assertEquals(List.of(), keys("bad"));
    assertEquals(List.of(), keys("a/"));
    assertEquals(List.of(), keys("b/"));
  }

  private void assertFails(CliChild pull, String why) throws Exception {
    try (pull) {
      int code = pull.await(90);
      String out = pull.output();
      assertEquals(1, code, out);
      assertTrue(out.contains(why), why + " in: " + out);
      assertFalse(out.contains(server.secretKey), "the secret never reaches the output: " + out);
    }
  }
}
