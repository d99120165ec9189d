package io.shardline.engine.s3;

import io.shardline.engine.testutil.CliChild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The destination contract against S3Proxy (filesystem backend): in every build. */
class S3ProxyDestinationTest extends S3DestinationContract {
  @BeforeAll
  static void startStore() throws Exception {
    start(S3TestServer.Kind.S3PROXY);
  }

  @Override
  S3TestServer.Kind kind() {
    return S3TestServer.Kind.S3PROXY;
  }

  @Override
  boolean listsPartChecksums() {
    return false; // S3Proxy 4.1.0 checks a part's CRC32C on upload but lists none
  }

  /** A pull that fails mid-upload (its source is killed) with --cleanup aborts its upload: nothing is left. */
  @Test
  void aFailedPullWithCleanupLeavesNoUpload() throws Exception {
    String key = "cleaned/big.bin";
    int before = uploads();
    try (CliChild source = CliChild.start(tmp.resolve("serve-cleanup.log"), Map.of(), "serve", "--root",
        tmp.resolve("served").toString(), "--listen", "127.0.0.1:0", "--state-dir",
        tmp.resolve("serve-cleanup-state").toString(), "--rate-limit", Long.toString(RATE))) {
      String[] own = source.banner();
      try (CliChild pull = CliChild.start(tmp.resolve("cleanup.log"), env(), "pull",
          "shardline://127.0.0.1:" + own[0] + "/kill", "s3://dst/cleaned", "--trust", own[1], "--json",
          "--s3-endpoint", server.endpoint.toString(), "--cleanup", "--progress-timeout", "3", "--stall-timeout", "1")) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (parts(key) < 1 && pull.process.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(20); // polling the store, bounded by the deadline
        }
        assertTrue(pull.process.isAlive() && parts(key) >= 1, "the pull is uploading: " + pull.output());
        source.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // the source goes away mid-upload
        assertEquals(1, pull.await(60), pull.output());
        assertTrue(pull.output().contains("unfinished multipart upload(s) under s3://dst/cleaned were aborted"),
            pull.output());
      }
    }
    assertEquals(before, uploads(), "the failed pull's upload was aborted");
    assertEquals(List.of(), keys("cleaned/"));
    assertFalse(keys("").contains(key));
  }
}
