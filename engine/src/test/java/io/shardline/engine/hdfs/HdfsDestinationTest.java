package io.shardline.engine.hdfs;

import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.testutil.CliChild;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pull shardline://... hdfs://NAMENODE:PORT/PATH} into a real single-DataNode MiniDFSCluster:
 * a local tree of 200+ small files and one large file lands byte-identical; a listing taken all
 * through the transfer never shows a final name before its file is complete; a pull killed with
 * SIGKILL mid-file resumes from its journal (chunks not sent again) to an identical file; each bad
 * destination (unreachable NameNode, an escaping path, a missing parent) is one clear error with
 * exit code 1 and nothing left behind.
 */
class HdfsDestinationTest {
  @TempDir
  static java.nio.file.Path tmp;
  static MiniDFSCluster cluster;
  static FileSystem fs;
  static String nn;
  static java.nio.file.Path src;
  static final Map<String, byte[]> files = new TreeMap<>();
  static final long BIG = 200L * 1024 * 1024 + 5;
  static byte[] bigSha;
  static CliChild serve;
  static String[] portFp;

  @BeforeAll
  static void start() throws Exception {
    cluster = new MiniDFSCluster.Builder(new Configuration(), tmp.resolve("dfs").toFile()).numDataNodes(1).build();
    cluster.waitActive();
    nn = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    fs = cluster.getFileSystem();
    src = Files.createDirectories(tmp.resolve("src"));
    SplittableRandom rnd = new SplittableRandom(21);
    for (int i = 0; i < 210; i++) {
      byte[] data = new byte[rnd.nextInt(0, 30_000)];
      rnd.nextBytes(data);
      String name = "d" + (i % 7) + "/f" + i + ".bin";
      files.put(name, data);
      Files.createDirectories(src.resolve(name).getParent());
      Files.write(src.resolve(name), data);
    }
    try (OutputStream out = Files.newOutputStream(src.resolve("big.bin"))) {
      bigSha = TestFiles.generate(out, BIG, 22);
    }
    serve = CliChild.start(tmp.resolve("serve.log"), Map.of(), "serve", "--root", src.toString(), "--listen",
        "127.0.0.1:0", "--state-dir", tmp.resolve("serve-state").toString(), "--rate-limit", "80MB");
    portFp = serve.banner();
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null) {
      serve.close();
    }
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  private CliChild pull(String name, String path, String dest, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("pull", "shardline://127.0.0.1:" + portFp[0] + "/" + path, dest,
        "--trust", portFp[1], "--json"));
    args.addAll(List.of(more));
    return CliChild.start(tmp.resolve(name + ".log"), Map.of("SHARDLINE_HDFS_JOURNALS", tmp.resolve("journals").toString()),
        args.toArray(String[]::new));
  }

  private static JsonObject summary(String out) {
    return new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
  }

  private static byte[] sha(String path) throws Exception {
    try (FSDataInputStream in = fs.open(new Path(path))) {
      return TestFiles.sha256(in);
    }
  }

  @Test
  void aLocalTreePulledIntoHdfsIsByteIdenticalAndNoFinalNameIsEverPartial() throws Exception {
    long t0 = System.nanoTime();
    int listings = 0;
    try (CliChild pull = pull("tree", "", nn + "/tree")) {
      while (pull.process.isAlive()) {
        if (fs.exists(new Path("/tree"))) {
          for (var it = fs.listFiles(new Path("/tree"), true); it.hasNext(); ) {
            FileStatus st = it.next();
            String rel = st.getPath().toUri().getPath().substring("/tree/".length());
            if (HdfsNames.problem(rel) == null) {
              long want = rel.equals("big.bin") ? BIG : files.get(rel).length;
              assertEquals(want, st.getLen(), rel + " is visible under its final name before it is complete");
            }
          }
          listings++;
        }
        Thread.sleep(20); // listing as fast as the NameNode answers, bounded by the pull's life
      }
      assertEquals(0, pull.await(10), pull.output());
      JsonObject s = summary(pull.output());
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(files.size() + 1, s.getInteger("files"), s::encode);
      System.out.printf("local -> HDFS: %d files, %d bytes in %.2f s (pull's own %.2f s), %d listings taken%n",
          files.size() + 1, s.getLong("bytes"), seconds, s.getDouble("seconds"), listings);
    }
    assertTrue(listings > 3, "the tree was listed during the transfer: " + listings);
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      try (FSDataInputStream in = fs.open(new Path("/tree/" + e.getKey()))) {
        assertArrayEquals(e.getValue(), in.readAllBytes(), e.getKey());
      }
    }
    assertArrayEquals(bigSha, sha("/tree/big.bin"));
    for (var it = fs.listFiles(new Path("/tree"), true); it.hasNext(); ) {
      String n = it.next().getPath().getName();
      assertFalse(HdfsNames.isPartial(n), "no partial left: " + n);
    }
  }

  @Test
  void aPullKilledMidFileResumesFromItsJournalToAnIdenticalFile() throws Exception {
    Path partial = new Path("/resume/" + HdfsNames.partial("big.bin"));
    try (CliChild first = pull("kill1", "big.bin", nn + "/resume")) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!(fs.exists(partial) && fs.getFileStatus(partial).getLen() > BIG / 3) && System.nanoTime() < deadline
          && first.process.isAlive()) {
        Thread.sleep(50); // waiting for a third of the file to be in HDFS, bounded
      }
      assertTrue(first.process.isAlive(), "killed mid-way, not after: " + first.output());
      first.process.destroyForcibly(); // SIGKILL
      first.process.waitFor(10, TimeUnit.SECONDS);
    }
    assertFalse(fs.exists(new Path("/resume/big.bin")), "nothing under the final name after the kill");
    assertTrue(fs.exists(partial), "the partial file is kept for the re-run");
    try (CliChild again = pull("kill2", "big.bin", nn + "/resume")) {
      assertEquals(0, again.await(300), again.output());
      JsonObject s = summary(again.output());
      assertTrue(s.getLong("resumedChunks") > 0, "chunks kept from the killed pull: " + s.encode());
      System.out.printf("resume after SIGKILL: %d chunks not sent again%n", s.getLong("resumedChunks"));
    }
    assertArrayEquals(bigSha, sha("/resume/big.bin"));
    assertFalse(fs.exists(partial), "the partial file became the final one");
  }

  @Test
  void eachBadDestinationIsOneClearErrorAndExitCode1WithNothingLeft() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertFails(pull("unreachable", "d1", "hdfs://127.0.0.1:" + closed + "/x"), "cannot reach the NameNode");
    assertFails(pull("escape", "d1", nn + "/x/../../etc"), "'..' segment");
    assertFails(pull("noparent", "d1", nn + "/no/such/parent/dest"), "does not exist");
    assertFalse(fs.exists(new Path("/no")), "nothing was created");
  }

  private void assertFails(CliChild pull, String why) throws Exception {
    try (pull) {
      int code = pull.await(90);
      String out = pull.output();
      assertEquals(1, code, out);
      assertTrue(out.contains(why), out);
    }
  }
}
