package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs into and out of an HDFS store (a destination and a remote of kind {@code hdfs}) on a real
 * single-DataNode MiniDFSCluster, started once for the class.
 */
class HdfsStoreJobsTest {
  @TempDir
  static Path shared;
  static MiniDFSCluster cluster;
  static FileSystem fs;
  static String root;

  @TempDir
  Path tmp;
  GatewayHarness h;

  @BeforeAll
  static void dfs() throws Exception {
    cluster = new MiniDFSCluster.Builder(new Configuration(), shared.resolve("dfs").toFile()).numDataNodes(1).build();
    cluster.waitActive();
    fs = cluster.getFileSystem();
    root = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  @AfterAll
  static void stopDfs() throws Exception {
    if (fs != null) {
      fs.close();
    }
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void aJobIntoHdfsPublishesEveryFileVerifiedAndAJobFromHdfsReadsItBack() throws Exception {
    h = new GatewayHarness(tmp);
    GatewayHarness.file(h.source.resolve("run1/model.bin"), 9L * 1024 * 1024 + 7, 3);
    GatewayHarness.file(h.source.resolve("run1/sub/config.json"), 700, 4);
    h.startNode(o -> { });
    fs.mkdirs(new org.apache.hadoop.fs.Path("/ckpts"));
    h.startGateway(c -> {
      c.getJsonObject("destinations").put("dfs", new JsonObject().put("hdfs", root + "/ckpts"));
      c.getJsonObject("remotes").put("dfs", new JsonObject().put("hdfs", root + "/ckpts"));
    });
    JsonObject up = h.submit(new JsonObject().put("source", "ckpt:run1").put("destination", "dfs:step-1"));
    h.awaitState(up.getString("id"), "succeeded", Duration.ofSeconds(120));
    List<String> names = new ArrayList<>();
    var it = fs.listFiles(new org.apache.hadoop.fs.Path("/ckpts/step-1"), true);
    while (it.hasNext()) {
      FileStatus f = it.next();
      names.add(f.getPath().toUri().getPath());
    }
    names.sort(null);
    assertEquals(List.of("/ckpts/step-1/model.bin", "/ckpts/step-1/sub/config.json"), names,
        "only the published files, no partial ones");
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path("/ckpts/step-1/model.bin"))) {
      assertArrayEquals(Files.readAllBytes(h.source.resolve("run1/model.bin")), in.readAllBytes());
    }
    JsonObject down = h.submit(new JsonObject().put("source", "dfs:step-1").put("destination", "local:from-hdfs"));
    h.awaitState(down.getString("id"), "succeeded", Duration.ofSeconds(120));
    for (String f : List.of("model.bin", "sub/config.json")) {
      assertArrayEquals(Files.readAllBytes(h.source.resolve("run1/" + f)),
          Files.readAllBytes(h.dest.resolve("from-hdfs/" + f)), f);
    }
  }
}
