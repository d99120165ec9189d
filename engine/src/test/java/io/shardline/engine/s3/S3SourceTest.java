package io.shardline.engine.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code serve --root s3://BUCKET/PREFIX} against a real S3Proxy process: a tree of 200+ objects
 * and one large object pulled to local disk byte-identical (twice: the second time from cached
 * manifests, timed beside plain SDK reads of the same bytes), and each bad input (missing
 * bucket, refused credentials, unreachable endpoint, an escaping prefix) one clear error with
 * exit code 1 and no secret in the output.
 */
class S3SourceTest {
  @TempDir
  static Path tmp;
  static S3TestServer server;
  static S3Client s3;
  static final Map<String, byte[]> objects = new TreeMap<>();
  static final long BIG = 40L * 1024 * 1024 + 3;

  @BeforeAll
  static void startStore() throws Exception {
    server = S3TestServer.start(S3TestServer.Kind.S3PROXY, tmp);
    s3 = server.client();
    s3.createBucket(b -> b.bucket("src"));
    SplittableRandom rnd = new SplittableRandom(15);
    for (int i = 0; i < 210; i++) {
      byte[] data = new byte[rnd.nextInt(0, 30_000)];
      rnd.nextBytes(data);
      objects.put("d" + (i % 7) + "/f" + i + ".bin", data);
    }
    byte[] big = new byte[(int) BIG];
    rnd.nextBytes(big);
    objects.put("big.bin", big);
    for (Map.Entry<String, byte[]> e : objects.entrySet()) {
      s3.putObject(b -> b.bucket("src").key("tree/" + e.getKey()), RequestBody.fromBytes(e.getValue()));
    }
    s3.putObject(b -> b.bucket("src").key("outside.bin"), RequestBody.fromBytes(new byte[] {1, 2, 3}));
  }

  @AfterAll
  static void stopStore() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private Child serve(String name, Map<String, String> env, String root, String endpoint) throws Exception {
    return Child.start(tmp.resolve(name + ".log"), env, "serve", "--root", root, "--s3-endpoint", endpoint,
        "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("serve-state").toString());
  }

  private Map<String, String> env() {
    return server.env(tmp, server.accessKey, server.secretKey);
  }

  @Test
  void aTreeServedFromS3IsPulledToDiskByteIdentical() throws Exception {
    try (Child serve = serve("serve", env(), "s3://src/tree", server.endpoint.toString())) {
      String[] portFp = serve.banner();
      Path dest = tmp.resolve("dest");
      JsonObject first = pull(portFp, dest, "pull1");
      assertEquals(objects.size(), first.getInteger("files"), first::encode);
      for (Map.Entry<String, byte[]> e : objects.entrySet()) {
        assertArrayEquals(e.getValue(), Files.readAllBytes(dest.resolve(e.getKey())), e.getKey());
      }
      assertFalse(Files.exists(dest.resolve("outside.bin")), "only the prefix is served");

      // Again into a fresh folder: manifests come from the cache, so this pull is chunk reads only.
      Path again = tmp.resolve("dest2");
      JsonObject second = pull(portFp, again, "pull2");
      long t0 = System.nanoTime();
      long bytes = 0;
      for (String key : objects.keySet()) {
        bytes += s3.getObjectAsBytes(b -> b.bucket("src").key("tree/" + key)).asByteArray().length;
      }
      double sdkSeconds = (System.nanoTime() - t0) / 1e9;
      double ours = second.getLong("bytes") / second.getDouble("seconds") / 1e6;
      double sdk = bytes / sdkSeconds / 1e6;
      System.out.printf("S3 source throughput: pull from serve --root s3:// %.1f MB/s, plain SDK GETs %.1f MB/s"
          + " (%.2fx), %d objects, %d bytes%n", ours, sdk, ours / sdk, objects.size(), bytes);
      assertArrayEquals(objects.get("big.bin"), Files.readAllBytes(again.resolve("big.bin")));
      assertFalse(serve.output().contains(server.secretKey), "the secret never reaches the log");
    }
  }

  private JsonObject pull(String[] portFp, Path dest, String name) throws Exception {
    try (Child pull = Child.start(tmp.resolve(name + ".log"), Map.of(), "pull",
        "shardline://127.0.0.1:" + portFp[0] + "/", dest.toString(), "--trust", portFp[1], "--json")) {
      int code = pull.await(120);
      String out = pull.output();
      assertEquals(0, code, out);
      return new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    }
  }

  @Test
  void eachBadSourceIsOneClearErrorAndExitCode1() throws Exception {
    assertFails(serve("nobucket", env(), "s3://no-such-bucket/x", server.endpoint.toString()),
        "the bucket does not exist");
    assertFails(serve("badcreds", server.env(tmp, server.accessKey, "wrong-" + server.secretKey), "s3://src/tree",
        server.endpoint.toString()), "refused the credentials");
    assertFails(serve("unreachable", env(), "s3://src/tree", "http://127.0.0.1:" + S3TestServer.freePort()),
        "cannot reach the S3 endpoint");
    assertFails(serve("escape", env(), "s3://src/tree/../outside.bin", server.endpoint.toString()),
        "'..' segment");
  }

  private void assertFails(Child serve, String why) throws Exception {
    try (serve) {
      int code = serve.await(60);
      String out = serve.output();
      assertEquals(1, code, out);
      assertTrue(out.contains("shardline serve: cannot serve") && out.contains(why), out);
      assertFalse(out.contains(server.secretKey), "the secret never reaches the output: " + out);
    }
  }
}
