package io.shardline.engine.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.testutil.CliChild;
import io.shardline.engine.testutil.RoundTrips;
import io.shardline.engine.testutil.TestFiles;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One file of 2 GiB (issue 15's size) there and back through a real S3-compatible server, as the
 * CLI runs it: {@code pull shardline://... s3://dst/rt/} from a local {@code serve} (one multipart
 * upload, a part per chunk, completed after the root check), then {@code serve --root s3://dst/rt}
 * and {@code pull} to a local folder; the SHA-256 of what comes back is the original's and no
 * upload is left open. A soak, skipped unless {@code -Dshardline.soak=s3} (the size with
 * {@code -Dshardline.soak.mib}, default 2048):
 * {@code ./mvnw -B -q -pl engine test -Dtest=S3RoundTripSoak -Dshardline.soak=s3 -Dsurefire.failIfNoSpecifiedTests=false}
 */
class S3RoundTripSoak {
  @TempDir
  Path tmp;

  @Test
  void aLargeFileGoesIntoS3AndBackByteIdentical() throws Exception {
    assumeTrue("s3".equals(System.getProperty("shardline.soak")), "a soak: -Dshardline.soak=s3");
    long size = Long.getLong("shardline.soak.mib", 2048) * 1024 * 1024 + 7;
    Path root = Files.createDirectories(tmp.resolve("served"));
    byte[] sha;
    try (OutputStream out = Files.newOutputStream(root.resolve("big.bin"))) {
      sha = TestFiles.generate(out, size, 77);
    }
    try (S3TestServer server = S3TestServer.start(S3TestServer.Kind.S3PROXY, tmp);
        S3Client s3 = server.client()) {
      s3.createBucket(b -> b.bucket("dst"));
      Map<String, String> env = server.env(tmp, server.accessKey, server.secretKey);
      try (CliChild serve = CliChild.start(tmp.resolve("serve-local.log"), Map.of(), "serve", "--root", root.toString(),
          "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("serve-local-state").toString())) {
        String[] portFp = serve.banner();
        long t0 = System.nanoTime();
        JsonObject up = RoundTrips.pull(tmp, env, "up", "shardline://127.0.0.1:" + portFp[0] + "/big.bin",
            "s3://dst/rt/", portFp[1],
            "--s3-endpoint", server.endpoint.toString());
        double upSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(size, s3.headObject(b -> b.bucket("dst").key("rt/big.bin")).contentLength());
        assertEquals(0, s3.listMultipartUploads(b -> b.bucket("dst")).uploads().size(), "the upload was completed");
        System.out.printf("S3 round trip, %d MiB: into s3:// %.1f s wall, %.1f MB/s by the pull's clock%n",
            size >> 20, upSeconds, up.getLong("bytes") / up.getDouble("seconds") / 1e6);
      }
      Files.delete(root.resolve("big.bin")); // room on the disk: the copy in the store is the one that comes back
      try (CliChild serve = CliChild.start(tmp.resolve("serve-s3.log"), env, "serve", "--root", "s3://dst/rt",
          "--s3-endpoint", server.endpoint.toString(), "--listen", "127.0.0.1:0", "--state-dir",
          tmp.resolve("serve-s3-state").toString())) {
        RoundTrips.back(tmp, "S3", serve.banner(), sha, size);
      }
    }
  }
}
