package io.shardline.engine.hdfs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.net.URI;

/**
 * Where one small file's time goes when written the way {@link HdfsChunkSink} writes it (exists,
 * mkdirs, create, write, hflush, hsync, close, status, rename), 20 files of 20 kB each with the
 * Hadoop client's defaults and with {@link HdfsClients#configuration()}, on a one-DataNode
 * {@link MiniDFSCluster}. A diagnostic, skipped unless {@code -Dshardline.bench=hdfsprobe}.
 */
class HdfsSmallFileProbe {
  @TempDir
  java.nio.file.Path tmp;

  @Test
  void steps() throws Exception {
    assumeTrue("hdfsprobe".equals(System.getProperty("shardline.bench")));
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(new Configuration(), tmp.resolve("dfs").toFile())
        .numDataNodes(1).build();
    try {
      cluster.waitActive();
      for (String variant : new String[] {"warm-up", "hadoop-defaults", "shardline", "hadoop-defaults-again"}) {
        Configuration conf = variant.startsWith("hadoop") ? new Configuration() : HdfsClients.configuration();
        try (FileSystem fs = FileSystem.newInstance(URI.create("hdfs://127.0.0.1:" + cluster.getNameNodePort()), conf)) {
          long[] t = new long[7];
          int n = 20;
          byte[] data = new byte[20_000];
          for (int i = 0; i < n; i++) {
            Path part = new Path("/" + variant + "/d/.f" + i + ".shardline-partial");
            long a = System.nanoTime();
            fs.exists(new Path("/" + variant + "/d/f" + i));
            fs.mkdirs(part.getParent());
            long b = System.nanoTime();
            FSDataOutputStream out = fs.create(part, false);
            long c = System.nanoTime();
            out.write(data);
            out.hflush();
            long d = System.nanoTime();
            out.hsync();
            long e = System.nanoTime();
            out.close();
            long f = System.nanoTime();
            fs.getFileStatus(part);
            fs.rename(part, new Path("/" + variant + "/d/f" + i));
            long g = System.nanoTime();
            t[0] += b - a; t[1] += c - b; t[2] += d - c; t[3] += e - d; t[4] += f - e; t[5] += g - f; t[6] += g - a;
          }
          System.out.printf("HDFS small-file probe (%s), ms per file: exists+mkdirs %.1f, create %.1f, write+hflush %.1f,"
              + " hsync %.1f, close %.1f, status+rename %.1f, total %.1f%n", variant, t[0] / 1e6 / n, t[1] / 1e6 / n,
              t[2] / 1e6 / n, t[3] / 1e6 / n, t[4] / 1e6 / n, t[5] / 1e6 / n, t[6] / 1e6 / n);
        }
      }
    } finally {
      cluster.shutdown(true);
    }
  }
}
