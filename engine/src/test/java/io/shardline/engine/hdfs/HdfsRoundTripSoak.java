package io.shardline.engine.hdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.testutil.CliChild;
import io.shardline.engine.testutil.RoundTrips;
import io.shardline.engine.testutil.TestFiles;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One file of 2 GiB (issue 15's size) there and back through a real MiniDFSCluster, as the CLI
 * runs it: {@code pull shardline://... hdfs://NN/rt} from a local {@code serve} (appended to a
 * hidden partial, renamed once verified), then {@code serve --root hdfs://NN/rt} and {@code pull} to
 * a local folder; the SHA-256 in HDFS and of what comes back is the original's. A soak, skipped
 * unless {@code -Dshardline.soak=hdfs} (the size with {@code -Dshardline.soak.mib}, default 2048):
 * {@code ./mvnw -B -q -pl engine test -Dtest=HdfsRoundTripSoak -Dshardline.soak=hdfs -Dsurefire.failIfNoSpecifiedTests=false}
 */
class HdfsRoundTripSoak {
  @TempDir
  java.nio.file.Path tmp;

  @Test
  void aLargeFileGoesIntoHdfsAndBackByteIdentical() throws Exception {
    assumeTrue("hdfs".equals(System.getProperty("shardline.soak")), "a soak: -Dshardline.soak=hdfs");
    long size = Long.getLong("shardline.soak.mib", 2048) * 1024 * 1024 + 7;
    java.nio.file.Path root = Files.createDirectories(tmp.resolve("served"));
    byte[] sha;
    try (OutputStream out = Files.newOutputStream(root.resolve("big.bin"))) {
      sha = TestFiles.generate(out, size, 78);
    }
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(new Configuration(), tmp.resolve("dfs").toFile())
        .numDataNodes(1).build();
    try {
      cluster.waitActive();
      String nn = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
      FileSystem fs = cluster.getFileSystem();
      Map<String, String> env = Map.of("SHARDLINE_HDFS_JOURNALS", tmp.resolve("journals").toString());
      try (CliChild serve = CliChild.start(tmp.resolve("serve-local.log"), Map.of(), "serve", "--root",
          root.toString(), "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("serve-local-state").toString())) {
        String[] portFp = serve.banner();
        long t0 = System.nanoTime();
        JsonObject up = RoundTrips.pull(tmp, env, "up", "shardline://127.0.0.1:" + portFp[0] + "/big.bin",
            nn + "/rt", portFp[1]);
        double upSeconds = (System.nanoTime() - t0) / 1e9;
        try (FSDataInputStream in = fs.open(new Path("/rt/big.bin"))) {
          assertArrayEquals(sha, TestFiles.sha256(in), "the copy in HDFS is the original");
        }
        assertEquals(1, fs.listStatus(new Path("/rt")).length, "no partial left beside it");
        System.out.printf("HDFS round trip, %d MiB: into hdfs:// %.1f s wall, %.1f MB/s by the pull's clock%n",
            size >> 20, upSeconds, up.getLong("bytes") / up.getDouble("seconds") / 1e6);
      }
      Files.delete(root.resolve("big.bin"));
      try (CliChild serve = CliChild.start(tmp.resolve("serve-hdfs.log"), Map.of(), "serve", "--root", nn + "/rt",
          "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("serve-hdfs-state").toString())) {
        RoundTrips.back(tmp, "HDFS", serve.banner(), sha, size);
      }
    } finally {
      cluster.shutdown(true);
    }
  }
}
