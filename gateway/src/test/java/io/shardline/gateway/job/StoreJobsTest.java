package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.s3.S3TestServer;
import io.shardline.gateway.config.ConfigException;
import io.shardline.gateway.config.GatewayConfig;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Jobs into and out of S3 stores (a destination and a remote of kind {@code s3}): a real S3Proxy on 127.0.0.1 (it checks request
 * signatures, so the credentials really reach the SDK), the gateway's credentials from the AWS
 * SDK's default chain (system properties here, the environment or ~/.aws in production), never
 * from the config or the job.
 */
class StoreJobsTest {
  @TempDir
  static Path shared;
  static S3TestServer s3;
  static S3Client client;

  @TempDir
  Path tmp;
  GatewayHarness h;

  @BeforeAll
  static void store() throws Exception {
    assumeTrue(S3TestServer.available(S3TestServer.Kind.S3PROXY), "S3Proxy's jar was not fetched (engine/target/s3-servers)");
    s3 = S3TestServer.start(S3TestServer.Kind.S3PROXY, shared);
    client = s3.client();
    client.createBucket(b -> b.bucket("ckpts"));
    System.setProperty("aws.accessKeyId", s3.accessKey);
    System.setProperty("aws.secretAccessKey", s3.secretKey);
  }

  @AfterAll
  static void stopStore() throws Exception {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    if (client != null) {
      client.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  private void start() throws Exception {
    h = new GatewayHarness(tmp);
    GatewayHarness.file(h.source.resolve("run1/model.bin"), 12L * 1024 * 1024 + 5, 1);
    GatewayHarness.file(h.source.resolve("run1/config.json"), 900, 2);
    h.startNode(o -> { });
    h.startGateway(c -> {
      c.getJsonObject("destinations").put("bucket", new JsonObject()
          .put("s3", "s3://ckpts/team").put("endpoint", s3.endpoint.toString()).put("region", "us-east-1"));
      c.getJsonObject("remotes").put("store", new JsonObject()
          .put("s3", "s3://ckpts/team").put("endpoint", s3.endpoint.toString()).put("region", "us-east-1"));
    });
  }

  @Test
  void aJobIntoAnS3DestinationUploadsEveryFileVerifiedUnderItsPath() throws Exception {
    start();
    JsonObject job = h.submit(new JsonObject().put("source", "ckpt:run1").put("destination", "bucket:step-100"));
    JsonObject done = h.awaitState(job.getString("id"), "succeeded", Duration.ofSeconds(90));
    List<String> keys = client.listObjectsV2(b -> b.bucket("ckpts").prefix("team/")).contents().stream()
        .map(o -> o.key()).sorted().collect(Collectors.toList());
    assertEquals(List.of("team/step-100/config.json", "team/step-100/model.bin"), keys);
    for (String f : List.of("model.bin", "config.json")) {
      byte[] got = client.getObject(b -> b.bucket("ckpts").key("team/step-100/" + f), ResponseTransformer.toBytes())
          .asByteArray();
      assertArrayEquals(Files.readAllBytes(h.source.resolve("run1/" + f)), got, f);
    }
    String log = h.call("GET", "/api/v1/jobs/" + job.getString("id") + "/log", GatewayHarness.VIEWER, null).body();
    assertFalse((done.encode() + log).contains(s3.secretKey), "the secret never shows in a job's view or audit log");
    assertFalse((done.encode() + log).contains(s3.accessKey), "nor the access key");
  }

  @Test
  void aJobFromAnS3RemoteReadsTheStoreIntoAFolderAndIntoAnotherPrefix() throws Exception {
    start();
    JsonObject up = h.submit(new JsonObject().put("source", "ckpt:run1").put("destination", "bucket:step-200"));
    h.awaitState(up.getString("id"), "succeeded", Duration.ofSeconds(90));
    // S3 -> local folder
    JsonObject down = h.submit(new JsonObject().put("source", "store:step-200").put("destination", "local:from-s3"));
    h.awaitState(down.getString("id"), "succeeded", Duration.ofSeconds(90));
    for (String f : List.of("model.bin", "config.json")) {
      assertArrayEquals(Files.readAllBytes(h.source.resolve("run1/" + f)), Files.readAllBytes(h.dest.resolve("from-s3/" + f)), f);
    }
    // S3 -> S3 (another prefix of the same store)
    JsonObject copy = h.submit(new JsonObject().put("source", "store:step-200").put("destination", "bucket:copy"));
    h.awaitState(copy.getString("id"), "succeeded", Duration.ofSeconds(90));
    byte[] got = client.getObject(b -> b.bucket("ckpts").key("team/copy/model.bin"), ResponseTransformer.toBytes())
        .asByteArray();
    assertArrayEquals(Files.readAllBytes(h.source.resolve("run1/model.bin")), got);
  }

  @Test
  void aStoreRemoteWhoseBucketIsMissingStopsTheGatewayStartWithOneError() throws Exception {
    h = new GatewayHarness(tmp);
    h.startNode(o -> { });
    try {
      h.startGateway(c -> c.getJsonObject("remotes").put("gone", new JsonObject()
          .put("s3", "s3://no-such-bucket/x").put("endpoint", s3.endpoint.toString()).put("region", "us-east-1")));
      throw new AssertionError("the gateway started");
    } catch (Exception e) {
      String m = String.valueOf(e.getMessage());
      assertTrue(m.contains("remote 'gone'") && m.contains("no-such-bucket"), m);
      assertFalse(m.contains(s3.secretKey), m);
    }
  }

  @Test
  void badStoreDestinationsAreRefusedWhenTheConfigIsLoaded() {
    JsonObject base = new JsonObject().put("listen", "127.0.0.1:0").put("dataDir", tmp.resolve("d").toString())
        .put("remotes", new JsonObject()).put("tokens", new io.vertx.core.json.JsonArray());
    for (JsonObject bad : List.of(
        new JsonObject().put("s3", "s3://Bad_Bucket/x"),
        new JsonObject().put("s3", "s3://ckpts/../up"),
        new JsonObject().put("s3", "s3://ckpts/x").put("endpoint", "ftp://127.0.0.1"),
        new JsonObject().put("s3", "s3://ckpts/x").put("secretKey", "shh"),
        new JsonObject().put("hdfs", "hdfs://nn/no-port"),
        new JsonObject().put("hdfs", "hdfs://nn:8020/x").put("region", "eu"),
        new JsonObject().put("s3", "s3://ckpts/x").put("hdfs", "hdfs://nn:8020/x"))) {
      JsonObject c = base.copy().put("destinations", new JsonObject().put("store", bad));
      try {
        GatewayConfig.parse(c, tmp);
        throw new AssertionError("accepted " + bad.encode());
      } catch (ConfigException e) {
        assertTrue(e.getMessage().contains("destinations.store"), e.getMessage());
        assertFalse(e.getMessage().contains("shh"), "a secret is never echoed: " + e.getMessage());
      }
    }
  }

  @Test
  void aDestinationPathThatEscapesTheStoreIsRefusedAtSubmission() throws Exception {
    start();
    GatewayHarness.Response r = h.call("POST", "/api/v1/jobs", GatewayHarness.OPERATOR,
        new JsonObject().put("source", "ckpt:run1").put("destination", "bucket:../other").encode());
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().contains("destination path"), r.body());
  }
}
