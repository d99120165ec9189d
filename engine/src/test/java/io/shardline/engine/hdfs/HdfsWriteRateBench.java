package io.shardline.engine.hdfs;

import io.shardline.engine.testutil.TestFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.testutil.CliChild;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fast a pull writes into HDFS, beside the Hadoop client's own copy of the same data in the
 * same run. Workloads, on local disk and served by a {@code serve} child (no rate limit): "big", one
 * file of {@code shardline.bench.mib} MiB (default 256) + 5 bytes of random bytes; "tree", 210 files
 * of 0-30 kB and that file (the shape of {@code HdfsDestinationTest}'s tree). Each of three rounds
 * runs, per workload, (a) the peer, {@link FileSystem#copyFromLocalFile} (what {@code hdfs dfs -put}
 * does, the client's default settings) in a child JVM with the CLI's JVM flags ({@link HdfsCopyPeer}),
 * (b) {@code pull shardline://... hdfs://...} in a child JVM, both into one single-DataNode
 * {@link MiniDFSCluster}; and the same pull of the big file to local disk (the pipeline without
 * HDFS). Medians of the three rounds. The pull's rate is its own {@code seconds} (first LIST to
 * last publish); the peer's is timed inside its JVM from {@code FileSystem} open to close, so JVM
 * start is left out of both. Skipped unless {@code -Dshardline.bench=hdfs}:
 * {@code ./mvnw -B -q -pl engine -am test -Dtest=HdfsWriteRateBench -Dshardline.bench=hdfs -Dsurefire.failIfNoSpecifiedTests=false}
 */
class HdfsWriteRateBench {
  @TempDir
  java.nio.file.Path tmp;

  @Test
  void pullIntoHdfsBesideTheHadoopClientsOwnCopy() throws Exception {
    assumeTrue("hdfs".equals(System.getProperty("shardline.bench")), "a benchmark: -Dshardline.bench=hdfs");
    long size = Long.getLong("shardline.bench.mib", 256) * 1024 * 1024 + 5;
    int rounds = Integer.getInteger("shardline.bench.rounds", 3);
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(new Configuration(), tmp.resolve("dfs").toFile())
        .numDataNodes(1).build();
    try {
      cluster.waitActive();
      String nn = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
      FileSystem fs = cluster.getFileSystem();
      java.nio.file.Path src = Files.createDirectories(tmp.resolve("src"));
      byte[] sha;
      try (OutputStream out = Files.newOutputStream(src.resolve("big.bin"))) {
        sha = TestFiles.generate(out, size, 33);
      }
      java.nio.file.Path tree = Files.createDirectories(src.resolve("tree"));
      SplittableRandom rnd = new SplittableRandom(34);
      long treeBytes = size;
      for (int i = 0; i < 210; i++) {
        byte[] data = new byte[rnd.nextInt(0, 30_000)];
        rnd.nextBytes(data);
        java.nio.file.Path f = tree.resolve("d" + (i % 7) + "/f" + i + ".bin");
        Files.createDirectories(f.getParent());
        Files.write(f, data);
        treeBytes += data.length;
      }
      Files.createLink(tree.resolve("big.bin"), src.resolve("big.bin"));
      try (CliChild serve = CliChild.start(tmp.resolve("serve.log"), Map.of(), "serve", "--root", src.toString(),
          "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("serve-state").toString())) {
        String[] portFp = serve.banner();
        pull(portFp, "big.bin", tmp.resolve("warm").toString(), "warm"); // sums the file once: timed pulls only move chunks
        Map<String, List<Double>> rates = new TreeMap<>();
        for (int r = 0; r < rounds; r++) {
          for (String what : new String[] {"big", "tree"}) {
            String from = what.equals("big") ? "big.bin" : "tree";
            long bytes = what.equals("big") ? size : treeBytes;
            try (CliChild p = CliChild.startMain(tmp.resolve("peer-" + what + r + ".log"), Map.of(),
                HdfsCopyPeer.class.getName(), nn, src.resolve(from).toString(), "/peer-" + what + r)) {
              assertEquals(0, p.await(900), p.output());
              double s = Double.parseDouble(p.output().lines().filter(l -> l.startsWith("seconds ")).findFirst()
                  .orElseThrow().substring(8));
              rates.computeIfAbsent(what + " copyFromLocalFile", k -> new ArrayList<>()).add(bytes / s / 1e6);
            }
            rates.computeIfAbsent(what + " pull", k -> new ArrayList<>())
                .add(pull(portFp, from, nn + "/ours-" + what + r, "pull-" + what + r));
            String big = what.equals("big") ? "/ours-big" + r + "/big.bin" : "/ours-tree" + r + "/big.bin";
            try (FSDataInputStream in = fs.open(new Path(big))) {
              assertArrayEquals(sha, TestFiles.sha256(in), what + " round " + r);
            }
            fs.delete(new Path("/peer-" + what + r), true);
            fs.delete(new Path("/ours-" + what + r), true);
          }
          java.nio.file.Path local = tmp.resolve("local" + r);
          rates.computeIfAbsent("big pull to local disk", k -> new ArrayList<>())
              .add(pull(portFp, "big.bin", local.toString(), "pull-local" + r));
          Files.delete(local.resolve("big.bin"));
          System.out.println("HDFS write round " + (r + 1) + ": " + rates);
        }
        for (String what : new String[] {"big", "tree"}) {
          double o = median(rates.get(what + " pull"));
          double p = median(rates.get(what + " copyFromLocalFile"));
          System.out.printf("HDFS write (%s: %s), medians of %d: pull %.1f MB/s, copyFromLocalFile %.1f MB/s,"
              + " ratio %.2f%n", what, what.equals("big") ? (size >> 20) + " MiB file"
              : "210 files of 0-30 kB + the " + (size >> 20) + " MiB file", rounds, o, p, o / p);
        }
        System.out.printf("HDFS write: the same pull to local disk (no HDFS), median %.1f MB/s; all rounds %s%n",
            median(rates.get("big pull to local disk")), rates);
      }
    } finally {
      cluster.shutdown(true);
    }
  }

  private double pull(String[] portFp, String from, String dest, String name) throws Exception {
    try (CliChild pull = CliChild.start(tmp.resolve(name + ".log"),
        Map.of("SHARDLINE_HDFS_JOURNALS", tmp.resolve("journals").toString()), "pull",
        "shardline://127.0.0.1:" + portFp[0] + "/" + from, dest, "--trust", portFp[1], "--json")) {
      assertEquals(0, pull.await(900), pull.output());
      JsonObject j = new JsonObject(pull.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
          .orElseThrow());
      return j.getLong("bytes") / j.getDouble("seconds") / 1e6;
    }
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
