package io.shardline.engine.s3;

import io.shardline.engine.testutil.CliChild;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.ChunkSource;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;
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

  private CliChild serve(String name, Map<String, String> env, String root, String endpoint) throws Exception {
    return CliChild.start(tmp.resolve(name + ".log"), env, "serve", "--root", root, "--s3-endpoint", endpoint,
        "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("serve-state").toString());
  }

  private Map<String, String> env() {
    return server.env(tmp, server.accessKey, server.secretKey);
  }

  @Test
  void aTreeServedFromS3IsPulledToDiskByteIdentical() throws Exception {
    try (CliChild serve = serve("serve", env(), "s3://src/tree", server.endpoint.toString())) {
      String[] portFp = serve.banner();
      Path dest = tmp.resolve("dest");
      JsonObject first = pull(portFp, dest, "pull1");
      assertEquals(objects.size(), first.getInteger("files"), first::encode);
      for (Map.Entry<String, byte[]> e : objects.entrySet()) {
        assertArrayEquals(e.getValue(), Files.readAllBytes(dest.resolve(e.getKey())), e.getKey());
      }
      assertFalse(Files.exists(dest.resolve("outside.bin")), "only the prefix is served");

      // Again into fresh folders: manifests come from the cache, so these pulls are chunk reads only.
      // Timed beside what `aws s3 cp` does: plain SDK GETs of the same objects written to files.
      JsonObject tree = pull(portFp, tmp.resolve("dest2"), "pull2");
      JsonObject big = pull(portFp, "big.bin", tmp.resolve("dest3"), "pull3");
      Path plain = Files.createDirectories(tmp.resolve("plain"));
      long t0 = System.nanoTime();
      for (String key : objects.keySet()) {
        if (!key.equals("big.bin")) {
          Path f = plain.resolve(key);
          Files.createDirectories(f.getParent());
          s3.getObject(b -> b.bucket("src").key("tree/" + key), f);
        }
      }
      double sdkTree = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      s3.getObject(b -> b.bucket("src").key("tree/big.bin"), plain.resolve("big.bin"));
      double sdkBig = (System.nanoTime() - t0) / 1e9;
      double treeRate = tree.getLong("bytes") / tree.getDouble("seconds") / 1e6;
      double sdkTreeRate = (tree.getLong("bytes") - BIG) / sdkTree / 1e6;
      double bigRate = big.getLong("bytes") / big.getDouble("seconds") / 1e6;
      double sdkBigRate = BIG / sdkBig / 1e6;
      System.out.printf("S3 source throughput (serve --root s3:// then pull to disk, vs SDK GETs to files):"
          + " whole tree %.1f MB/s (SDK, small objects only: %.1f MB/s); %d MiB object %.1f MB/s vs SDK %.1f MB/s"
          + " (%.2fx)%n", treeRate, sdkTreeRate, BIG >> 20, bigRate, sdkBigRate, bigRate / sdkBigRate);
      Path again = tmp.resolve("dest2");
      assertArrayEquals(objects.get("big.bin"), Files.readAllBytes(again.resolve("big.bin")));
      assertFalse(serve.output().contains(server.secretKey), "the secret never reaches the log");
    }
  }

  private JsonObject pull(String[] portFp, Path dest, String name) throws Exception {
    return pull(portFp, "", dest, name);
  }

  private JsonObject pull(String[] portFp, String path, Path dest, String name) throws Exception {
    try (CliChild pull = CliChild.start(tmp.resolve(name + ".log"), Map.of(), "pull",
        "shardline://127.0.0.1:" + portFp[0] + "/" + path, dest.toString(), "--trust", portFp[1], "--json")) {
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

  private void assertFails(CliChild serve, String why) throws Exception {
    try (serve) {
      int code = serve.await(60);
      String out = serve.output();
      assertEquals(1, code, out);
      assertTrue(out.contains("shardline serve: cannot serve") && out.contains(why), out);
      assertFalse(out.contains(server.secretKey), "the secret never reaches the output: " + out);
    }
  }

  /**
   * Neither the right nor a wrong secret reaches a log (every logger at DEBUG, the SDK's and the
   * HTTP client's included), an error or a result: listing, reading and uploading with both.
   */
  @Test
  void credentialsNeverReachLogsOrErrors() throws Exception {
    String wrong = "wrong-" + java.util.UUID.randomUUID();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level level = root.getLevel();
    root.setLevel(Level.DEBUG);
    captured.start();
    root.addAppender(captured);
    List<String> messages = new ArrayList<>();
    try {
      try (S3Client bad = S3Clients.build(server.config(server.accessKey, wrong))) {
        S3ChunkSource source = new S3ChunkSource(bad, S3Location.parse("s3://src/tree"), "test", new ManifestCache(null), 1000);
        ShardlineException e = org.junit.jupiter.api.Assertions.assertThrows(ShardlineException.class,
            () -> source.list("", 4 << 20));
        assertEquals(ErrorCode.AUTH_FAILED, e.code(), e.getMessage());
        messages.add(e.getMessage());
        S3Destination dest = new S3Destination(() -> S3Clients.build(server.config(server.accessKey, wrong)),
            S3Location.parse("s3://src/secrecy"), "test", true);
        e = org.junit.jupiter.api.Assertions.assertThrows(ShardlineException.class, dest::begin);
        messages.add(e.getMessage());
        dest.end(List.of());
      }
      try (S3Client good = server.client()) {
        S3ChunkSource source = new S3ChunkSource(good, S3Location.parse("s3://src/tree"), "test", new ManifestCache(null), 1000);
        List<FileManifest> listed = source.list("d1", 4 << 20);
        assertEquals(30, listed.size());
        try (ChunkSource.Handle h = source.open(listed.get(0).path(), listed.get(0))) {
          ChunkSource.Chunk c = h.read(0, listed.get(0).chunkLength(0), UnpooledByteBufAllocator.DEFAULT);
          c.bytes().release();
        }
        S3Destination dest = new S3Destination(server::client, S3Location.parse("s3://src/secrecy"), "test", false);
        dest.begin();
        byte[] data = "not a secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int crc = Crc32c.of(data, 0, data.length);
        FileManifest m = TestFiles.manifest("x", "x.txt", data, 8 << 20);
        ChunkSink sink = dest.open(m);
        assertEquals(0, sink.prepare().cardinality());
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        sink.write(0, buf);
        buf.release();
        sink.publish(new int[] {crc}, m.chunkHashes());
        dest.end(List.of(sink));
        assertArrayEquals(data, s3.getObjectAsBytes(b -> b.bucket("src").key("secrecy/x.txt")).asByteArray());
      }
    } finally {
      root.detachAppender(captured);
      root.setLevel(level);
    }
    List<ILoggingEvent> events;
    synchronized (captured) {
      events = new ArrayList<>(captured.list);
    }
    assertTrue(events.size() > 10, "the SDK's debug logs were captured: " + events.size());
    for (ILoggingEvent e : events) {
      StringBuilder text = new StringBuilder(e.getFormattedMessage());
      if (e.getThrowableProxy() != null) {
        text.append(' ').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
      }
      assertFalse(text.toString().contains(server.secretKey), () -> "secret logged: " + e);
      assertFalse(text.toString().contains(wrong), () -> "wrong secret logged: " + e);
    }
    for (String m : messages) {
      assertFalse(m.contains(server.secretKey) || m.contains(wrong) || m.contains(server.accessKey), m);
    }
  }

  /** An object replaced after it was listed is refused at its next read, never shipped. */
  @Test
  void anObjectReplacedAfterItsListingIsSourceChanged() throws Exception {
    s3.putObject(b -> b.bucket("src").key("changing/a.bin"), RequestBody.fromBytes(new byte[5000]));
    try (S3Client c = server.client()) {
      S3ChunkSource source = new S3ChunkSource(c, S3Location.parse("s3://src/changing"), "test", new ManifestCache(null), 10);
      FileManifest m = source.list("", 4 << 20).get(0);
      try (ChunkSource.Handle h = source.open("a.bin", m)) {
        h.read(0, 5000, UnpooledByteBufAllocator.DEFAULT).bytes().release();
        byte[] other = new byte[5000];
        other[7] = 1;
        s3.putObject(b -> b.bucket("src").key("changing/a.bin"), RequestBody.fromBytes(other));
        ShardlineException e = org.junit.jupiter.api.Assertions.assertThrows(ShardlineException.class,
            () -> h.read(0, 5000, UnpooledByteBufAllocator.DEFAULT));
        assertEquals(ErrorCode.SOURCE_CHANGED, e.code(), e.getMessage());
      }
    }
  }
}
