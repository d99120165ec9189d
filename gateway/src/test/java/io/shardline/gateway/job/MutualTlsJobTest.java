package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.tls.CertAuthority;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Between gateway and node, mutual TLS: a remote with a client certificate pulls; one without is refused. */
@Timeout(60)
class MutualTlsJobTest {
  @TempDir
  Path tmp;

  @Test
  void aRemoteWithAClientCertificatePullsAndOneWithoutFailsClearly() throws Exception {
    CertAuthority ca = CertAuthority.create("test-ca");
    Path caPem = ca.writeCertificate(tmp.resolve("ca.pem"));
    Path cert = tmp.resolve("gw.pem");
    Path key = tmp.resolve("gw.key");
    ca.issueClient("gateway", Duration.ofDays(1), cert, key);
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("m/a.bin"), 1_000_000, 5);
      h.startNode(o -> o.clientCa(caPem)).startGateway(c -> {
        JsonObject remotes = c.getJsonObject("remotes");
        JsonObject plain = remotes.getJsonObject("ckpt").copy();
        remotes.getJsonObject("ckpt").put("clientCert", cert.toString()).put("clientKey", key.toString());
        remotes.put("nocert", plain);
      });
      String ok = h.submit(new JsonObject().put("source", "ckpt:m").put("destination", "local:ok")).getString("id");
      h.awaitState(ok, "succeeded", Duration.ofSeconds(30));
      assertArrayEquals(Files.readAllBytes(h.source.resolve("m/a.bin")), Files.readAllBytes(h.dest.resolve("ok/a.bin")));

      String refused = h.submit(new JsonObject().put("source", "nocert:m").put("destination", "local:no")).getString("id");
      JsonObject failed = h.awaitState(refused, "failed", Duration.ofSeconds(30));
      String error = failed.getString("error").toLowerCase(java.util.Locale.ROOT);
      assertTrue(error.contains("certificate") || error.contains("auth"), failed.encode());
      assertTrue(Files.notExists(h.dest.resolve("no/a.bin")));
    }
  }
}
