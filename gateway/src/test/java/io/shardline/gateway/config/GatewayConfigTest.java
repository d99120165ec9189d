package io.shardline.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.tls.Trust;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
  static final String HEX = "ab".repeat(32);

  @TempDir
  Path tmp;

  String example() {
    return """
        {
          "listen": "127.0.0.1:8080",
          "dataDir": "/var/lib/shardline/gateway",
          "remotes": { "ckpt": { "url": "shardline://10.0.0.5:7700", "trust": "sha256:%s", "tokenFile": "ckpt.token" } },
          "destinations": { "local": "/data/shards" },
          "tokens": [ { "token": "op-secret", "role": "operator" }, { "token": "view-secret", "role": "viewer" } ]
        }
        """.formatted(HEX);
  }

  @Test
  void theIssuesExampleLoads() throws Exception {
    Files.writeString(tmp.resolve("ckpt.token"), "s3cret\n");
    Path f = Files.writeString(tmp.resolve("gateway.json"), example());
    GatewayConfig c = GatewayConfig.load(f);
    assertEquals(8080, c.listen().port());
    assertEquals(Path.of("/var/lib/shardline/gateway"), c.dataDir());
    Remote r = c.remotes().get("ckpt");
    assertEquals("10.0.0.5", r.url().host());
    assertEquals(7700, r.url().port());
    assertInstanceOf(Trust.Pinned.class, r.trust());
    assertEquals(tmp.resolve("ckpt.token"), r.tokenFile(), "relative to the config file");
    assertEquals(Path.of("/data/shards"), c.destinations().get("local"));
    assertEquals(Role.OPERATOR, c.tokens().get(0).role());
    assertEquals(Role.VIEWER, c.tokens().get(1).role());
    assertEquals(GatewayConfig.DEFAULT_MAX_RUNNING_JOBS, c.maxRunningJobs());
    assertTrue(!c.tokens().get(0).toString().contains("op-secret"), "a token's toString never shows the secret");
  }

  @Test
  void yamlWorksToo() throws Exception {
    Files.writeString(tmp.resolve("ckpt.token"), "s3cret\n");
    Path f = Files.writeString(tmp.resolve("gateway.yaml"), """
        listen: 0.0.0.0:9090
        dataDir: state
        remotes:
          ckpt: { url: "shardline://node:7700", trust: "sha256:%s", tokenFile: ckpt.token }
        destinations:
          local: shards
        tokens:
          - { token: op-secret, role: operator, name: ci }
        maxRunningJobs: 4
        """.formatted(HEX));
    GatewayConfig c = GatewayConfig.load(f);
    assertEquals(9090, c.listen().port());
    assertEquals(tmp.resolve("state"), c.dataDir());
    assertEquals(tmp.resolve("shards"), c.destinations().get("local"));
    assertEquals("ci", c.tokens().get(0).name());
    assertEquals(4, c.maxRunningJobs());
  }

  @Test
  void mistakesAreNamed() throws Exception {
    Files.writeString(tmp.resolve("ckpt.token"), "s3cret\n");
    JsonObject ok = new JsonObject(example());
    assertError(ok.copy().put("remotse", new JsonObject()), "unknown key 'remotse'");
    assertError(ok.copy().put("tokens", new io.vertx.core.json.JsonArray()), "tokens must list");
    assertError(with(ok, "tokens", "[{\"token\":\"short\",\"role\":\"operator\"}]"), "at least 8");
    assertError(with(ok, "tokens", "[{\"token\":\"long-enough\",\"role\":\"admin\"}]"), "tokens[0].role");
    assertError(with(ok, "tokens", "[{\"token\":\"long-enough\",\"role\":\"viewer\"},{\"token\":\"long-enough\",\"role\":\"operator\"}]"), "twice");
    assertError(with(ok, "remotes", "{\"ckpt\":{\"url\":\"http://x\",\"trust\":\"sha256:" + HEX + "\"}}"), "remotes.ckpt.url");
    assertError(with(ok, "remotes", "{\"ckpt\":{\"url\":\"shardline://x:1/path\",\"trust\":\"sha256:" + HEX + "\"}}"), "without a path");
    assertError(with(ok, "remotes", "{\"ckpt\":{\"url\":\"shardline://x:1\",\"trust\":\"sha256:zz\"}}"), "remotes.ckpt.trust");
    assertError(with(ok, "remotes", "{\"ckpt\":{\"url\":\"shardline://x:1\",\"trust\":\"missing-ca.pem\"}}"), "not a readable file");
    assertError(with(ok, "remotes", "{\"ckpt\":{\"url\":\"shardline://x:1\",\"trust\":\"sha256:" + HEX + "\",\"tokenFile\":\"nope\"}}"), "tokenFile");
    assertError(with(ok, "remotes", "{\"bad name\":{\"url\":\"shardline://x:1\",\"trust\":\"sha256:" + HEX + "\"}}"), "bad name");
    assertError(ok.copy().put("maxRunningJobs", 0), "maxRunningJobs");
    assertError(ok.copy().put("listen", "nowhere"), "HOST:PORT");
    JsonObject noData = ok.copy();
    noData.remove("dataDir");
    assertError(noData, "dataDir is required");
    Path broken = Files.writeString(tmp.resolve("broken.json"), "{ \"listen\": ");
    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.load(broken));
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
  }

  private static JsonObject with(JsonObject base, String key, String json) {
    return base.copy().put(key, io.vertx.core.json.Json.decodeValue(json));
  }

  private void assertError(JsonObject c, String part) {
    Exception e = assertThrows(RuntimeException.class, () -> GatewayConfig.parse(c, tmp));
    assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
  }
}
