package io.shardline.engine.hdfs;

import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.testutil.CliChild;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.ChunkSource;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --root hdfs://NAMENODE:PORT/PATH} against a real single-DataNode MiniDFSCluster: a
 * tree of 200+ small files and one large file pulled to local disk byte-identical; a file
 * changed after its listing is {@code SOURCE_CHANGED}; a pull's partial files are never listed;
 * each bad root (unreachable NameNode, an escaping path, a missing path) one clear error with
 * exit code 1.
 */
class HdfsSourceTest {
  @TempDir
  static java.nio.file.Path tmp;
  static MiniDFSCluster cluster;
  static FileSystem fs;
  static String nn;
  static final Map<String, byte[]> files = new TreeMap<>();
  /** The large file: a few hundred MiB, streamed from a seeded generator and compared by SHA-256. */
  static final long BIG = 256L * 1024 * 1024 + 3;
  static byte[] bigSha;
  static double startSeconds;

  @BeforeAll
  static void startCluster() throws Exception {
    long t0 = System.nanoTime();
    Configuration conf = new Configuration();
    cluster = new MiniDFSCluster.Builder(conf, tmp.resolve("dfs").toFile()).numDataNodes(1).build();
    cluster.waitActive();
    startSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("MiniDFSCluster started in %.1f s%n", startSeconds);
    nn = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    fs = cluster.getFileSystem();
    SplittableRandom rnd = new SplittableRandom(15);
    for (int i = 0; i < 210; i++) {
      byte[] data = new byte[rnd.nextInt(0, 30_000)];
      rnd.nextBytes(data);
      files.put("d" + (i % 7) + "/f" + i + ".bin", data);
    }
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      try (FSDataOutputStream out = fs.create(new Path("/tree/" + e.getKey()))) {
        out.write(e.getValue());
      }
    }
    try (FSDataOutputStream out = fs.create(new Path("/tree/big.bin"))) {
      bigSha = TestFiles.generate(out, BIG, 16);
    }
    try (FSDataOutputStream out = fs.create(new Path("/tree/d0/" + HdfsNames.partial("f0.bin")))) {
      out.write(new byte[] {9, 9, 9}); // a pull in progress into this tree: never served
    }
    try (FSDataOutputStream out = fs.create(new Path("/outside.bin"))) {
      out.write(new byte[] {1, 2, 3});
    }
  }



  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  private CliChild serve(String name, String root) throws Exception {
    return CliChild.start(tmp.resolve(name + ".log"), Map.of(), "serve", "--root", root, "--listen", "127.0.0.1:0",
        "--state-dir", tmp.resolve("serve-state").toString());
  }

  @Test
  void aTreeServedFromHdfsIsPulledToDiskByteIdentical() throws Exception {
    try (CliChild serve = serve("serve", nn + "/tree")) {
      String[] portFp = serve.banner();
      java.nio.file.Path dest = tmp.resolve("dest");
      JsonObject pulled = pull(portFp, dest, "pull1");
      assertEquals(files.size() + 1, pulled.getInteger("files"), pulled::encode);
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        assertArrayEquals(e.getValue(), Files.readAllBytes(dest.resolve(e.getKey())), e.getKey());
      }
      try (InputStream in = Files.newInputStream(dest.resolve("big.bin"))) {
        assertArrayEquals(bigSha, TestFiles.sha256(in), "big.bin");
      }
      assertFalse(Files.exists(dest.resolve("outside.bin")), "only the path is served");
      assertFalse(Files.exists(dest.resolve("d0").resolve(HdfsNames.partial("f0.bin"))), "partials are never served");
      JsonObject big = pull(portFp, "big.bin", tmp.resolve("dest-big"), "pull2");
      System.out.printf("HDFS -> local (serve --root hdfs:// then pull to disk, manifests cached): %d MiB in %.2f s,"
          + " %.1f MB/s%n", BIG >> 20, big.getDouble("seconds"), big.getLong("bytes") / big.getDouble("seconds") / 1e6);
    }
  }

  private JsonObject pull(String[] portFp, java.nio.file.Path dest, String name) throws Exception {
    return pull(portFp, "", dest, name);
  }

  private JsonObject pull(String[] portFp, String path, java.nio.file.Path dest, String name) throws Exception {
    try (CliChild pull = CliChild.start(tmp.resolve(name + ".log"), Map.of(), "pull",
        "shardline://127.0.0.1:" + portFp[0] + "/" + path, dest.toString(), "--trust", portFp[1], "--json")) {
      int code = pull.await(300);
      String out = pull.output();
      assertEquals(0, code, out);
      return new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    }
  }

  @Test
  void eachBadRootIsOneClearErrorAndExitCode1() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    assertFails(serve("unreachable", "hdfs://127.0.0.1:" + closed + "/tree"), "cannot reach the NameNode hdfs://127.0.0.1:"
        + closed);
    double unreachableSeconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(unreachableSeconds < 30, "an unreachable NameNode fails in seconds: " + unreachableSeconds);
    assertFails(serve("escape", nn + "/tree/../outside.bin"), "'..' segment");
    assertFails(serve("missing", nn + "/no/such/tree"), "no such file or folder");
  }

  private void assertFails(CliChild serve, String why) throws Exception {
    try (serve) {
      int code = serve.await(60);
      String out = serve.output();
      assertEquals(1, code, out);
      assertTrue(out.contains("shardline serve: cannot serve") && out.contains(why), out);
      assertEquals(1, out.lines().filter(l -> !l.isBlank()).count(), "one line: " + out);
    }
  }

  /** A file rewritten after it was listed is refused when opened and at its next chunk read, never shipped. */
  @Test
  void aFileChangedAfterItsListingIsSourceChanged() throws Exception {
    try (FSDataOutputStream out = fs.create(new Path("/changing/a.bin"))) {
      out.write(new byte[5000]);
    }
    HdfsChunkSource source = new HdfsChunkSource(fs, HdfsLocation.parse(nn + "/changing"), new ManifestCache(null), 10);
    FileManifest m = source.list("", 4 << 20).get(0);
    try (ChunkSource.Handle h = source.open("a.bin", m)) {
      h.read(0, 5000, UnpooledByteBufAllocator.DEFAULT).bytes().release();
    }
    byte[] other = new byte[5000];
    other[7] = 1;
    try (FSDataOutputStream out = fs.create(new Path("/changing/a.bin"), true)) {
      out.write(other);
    }
    fs.setTimes(new Path("/changing/a.bin"), m.mtimeMillis(), -1); // same length and time: only the CRC tells
    try (ChunkSource.Handle h = source.open("a.bin", m)) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> h.read(0, 5000, UnpooledByteBufAllocator.DEFAULT));
      assertEquals(ErrorCode.SOURCE_CHANGED, e.code(), e.getMessage());
    }
    fs.setTimes(new Path("/changing/a.bin"), m.mtimeMillis() + 1000, -1);
    ShardlineException e = assertThrows(ShardlineException.class, () -> source.open("a.bin", m));
    assertEquals(ErrorCode.SOURCE_CHANGED, e.code(), e.getMessage());
    List<FileManifest> again = source.list("", 4 << 20);
    assertEquals(1, again.size());
    try (ChunkSource.Handle h = source.open("a.bin", again.get(0))) {
      var c = h.read(0, 5000, UnpooledByteBufAllocator.DEFAULT);
      assertEquals(1, c.bytes().getByte(7));
      c.bytes().release();
    }
  }
}
