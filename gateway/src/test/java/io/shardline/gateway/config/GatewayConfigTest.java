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
    assertEquals("10.0.0.5", r.node().host());
    assertEquals(7700, r.node().port());
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

  @Test
  void anHttpsRemoteIsABaseUrlTrustedBySystemCasOrACaFileWithSecretsInFiles() throws Exception {
    Files.writeString(tmp.resolve("ckpt.token"), "s3cret\n");
    Files.writeString(tmp.resolve("ca.pem"), "not parsed here");
    Files.writeString(tmp.resolve("hub.headers"), "# the hub's key\nX-Api-Key: k-123\n\nCookie: a=b\n");
    JsonObject c = with(new JsonObject(example()), "remotes", """
        {"hub": {"url": "https://models.example:8443/mirror", "headersFile": "hub.headers", "tokenFile": "ckpt.token"},
         "cdn": {"url": "https://cdn.example", "trust": "ca.pem"}}""");
    GatewayConfig g = GatewayConfig.parse(c, tmp);
    Remote hub = g.remotes().get("hub");
    assertTrue(hub.isHttps());
    assertEquals("https://models.example:8443/mirror/", hub.https().toString(), "the base ends in / (jobs append paths)");
    assertInstanceOf(Trust.SystemCas.class, hub.trust(), "the system's CAs by default");
    assertEquals(tmp.resolve("hub.headers"), hub.headersFile());
    assertEquals(tmp.resolve("ckpt.token"), hub.tokenFile());
    Remote cdn = g.remotes().get("cdn");
    assertEquals("https://cdn.example/", cdn.https().toString());
    assertInstanceOf(Trust.CaFile.class, cdn.trust());
    assertTrue(!hub.toString().contains("k-123"), "a remote holds the header file's path, never its secrets");
  }

  @Test
  void httpsRemoteMistakesAreNamedAndNeverEchoASecret() throws Exception {
    Files.writeString(tmp.resolve("key.pem"), "k");
    Files.writeString(tmp.resolve("bad.headers"), "X-Ok: fine\nAuthorization Bearer hunter2-secret\n");
    Files.writeString(tmp.resolve("range.headers"), "Range: bytes=0-1\n");
    JsonObject ok = new JsonObject(example());
    assertError(with(ok, "remotes", "{\"h\":{\"url\":\"https://user:pw@host/\"}}"), "without credentials");
    assertError(with(ok, "remotes", "{\"h\":{\"url\":\"https://host/x?sig=1\"}}"), "no query");
    assertError(with(ok, "remotes", "{\"h\":{\"url\":\"https://host/\",\"trust\":\"sha256:" + HEX + "\"}}"), "not a pin");
    assertError(with(ok, "remotes", "{\"h\":{\"url\":\"https://host/\",\"clientCert\":\"key.pem\",\"clientKey\":\"key.pem\"}}"),
        "shardline:// remotes only");
    assertError(with(ok, "remotes", "{\"h\":{\"url\":\"https://host/\",\"headersFile\":\"missing\"}}"), "remotes.h.headersFile");
    assertError(with(ok, "remotes", "{\"h\":{\"url\":\"https://host/\",\"headersFile\":\"range.headers\"}}"), "set by the pull itself");
    assertError(with(ok, "remotes", "{\"n\":{\"url\":\"shardline://x:1\",\"trust\":\"sha256:" + HEX
        + "\",\"headersFile\":\"bad.headers\"}}"), "for https:// remotes");
    Exception e = assertThrows(RuntimeException.class, () -> GatewayConfig.parse(with(ok, "remotes",
        "{\"h\":{\"url\":\"https://host/\",\"headersFile\":\"bad.headers\"}}"), tmp));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    assertTrue(!e.getMessage().contains("hunter2"), "the error names the line, never its value: " + e.getMessage());
  }

  @Test
  void theClusterBlockNamesTheMemberAndListsMembersOneByOne() throws Exception {
    JsonObject ok = new JsonObject(example());
    Files.writeString(tmp.resolve("ckpt.token"), "s3cret\n");
    GatewayConfig c = GatewayConfig.parse(with(ok, "cluster",
        "{\"node\":\"gw-a\",\"host\":\"10.0.0.1\",\"port\":5701,\"members\":[\"10.0.0.1:5701\",\"10.0.0.2:5701\"]}"), tmp);
    assertEquals("gw-a", c.cluster().node());
    assertEquals(2, c.cluster().members().size());
    assertEquals("10.0.0.2", c.cluster().members().get(1).host());
    assertEquals(null, GatewayConfig.parse(ok, tmp).cluster(), "without the block the gateway runs alone");
    assertError(with(ok, "cluster", "{\"members\":[\"h:1\"]}"), "cluster.node is required");
    assertError(with(ok, "cluster", "{\"node\":\"gw a\",\"members\":[\"h:1\"]}"), "cluster.node");
    assertError(with(ok, "cluster", "{\"node\":\"a\",\"members\":[]}"), "one by one");
    assertError(with(ok, "cluster", "{\"node\":\"a\",\"members\":[\"127.0.0.1:15701-15703\"]}"), "port range");
    assertError(with(ok, "cluster", "{\"node\":\"a\",\"members\":[\"nohost\"]}"), "cluster.members[0]");
    assertError(with(ok, "cluster", "{\"node\":\"a\",\"members\":[\"h:1\"],\"lease\":3}"), "unknown key 'cluster.lease'");
    assertEquals(null, c.cluster().apiCa(), "members' APIs are checked against this gateway's own certificate");
    Files.writeString(tmp.resolve("members-ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    assertEquals(tmp.resolve("members-ca.pem"), GatewayConfig.parse(with(ok, "cluster",
        "{\"node\":\"a\",\"members\":[\"h:1\"],\"apiCa\":\"members-ca.pem\"}"), tmp).cluster().apiCa());
    assertError(with(ok, "cluster", "{\"node\":\"a\",\"members\":[\"h:1\"],\"apiCa\":\"nope.pem\"}"), "cluster.apiCa");
  }

  @Test
  void aNodeTakesPushesOnlyWithAPushTokenFileOfItsOwn() throws Exception {
    Files.writeString(tmp.resolve("ckpt.token"), "s3cret\n");
    Files.writeString(tmp.resolve("ckpt.push-token"), "wr1te\n");
    JsonObject ok = new JsonObject(example());
    JsonObject pushing = with(ok, "remotes", "{\"ckpt\":{\"url\":\"shardline://x:1\",\"trust\":\"sha256:" + HEX
        + "\",\"tokenFile\":\"ckpt.token\",\"pushTokenFile\":\"ckpt.push-token\"}}");
    Remote r = GatewayConfig.parse(pushing, tmp).remotes().get("ckpt");
    assertEquals(tmp.resolve("ckpt.push-token"), r.pushTokenFile(), "relative to the config file");
    assertEquals(tmp.resolve("ckpt.token"), r.tokenFile(), "the read token stays its own");
    assertEquals(null, GatewayConfig.parse(ok, tmp).remotes().get("ckpt").pushTokenFile(), "no pushes without one");
    assertError(with(ok, "remotes", "{\"ckpt\":{\"url\":\"shardline://x:1\",\"trust\":\"sha256:" + HEX
        + "\",\"pushTokenFile\":\"nope\"}}"), "remotes.ckpt.pushTokenFile");
    assertError(with(ok, "remotes", "{\"hub\":{\"url\":\"https://models.example/\",\"pushTokenFile\":\"ckpt.push-token\"}}"),
        "remotes.hub.pushTokenFile is for shardline:// remotes");
  }

  private static JsonObject with(JsonObject base, String key, String json) {
    return base.copy().put(key, io.vertx.core.json.Json.decodeValue(json));
  }

  private void assertError(JsonObject c, String part) {
    Exception e = assertThrows(RuntimeException.class, () -> GatewayConfig.parse(c, tmp));
    assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
  }
}
