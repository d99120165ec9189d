package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.tls.CertAuthority;
import io.shardline.engine.server.ShardlineServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shardline probe}: 0 when the node answered the HELLO (a refusal for a missing token is
 * an answer), 0 only for an accepted token when one is given, 1 for a socket that accepts but
 * never answers (what a frozen JVM looks like from outside), a wrong certificate or no listener.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeCommandTest {
  static final String TOKEN = "probe-secret-token";
  Path tmp;
  Vertx vertx;
  ShardlineServer.Info open;
  ShardlineServer.Info guarded;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  PrintStream realOut;
  PrintStream realErr;

  @BeforeAll
  void serve(@TempDir Path dir) throws Exception {
    tmp = dir;
    Path root = Files.createDirectories(tmp.resolve("root"));
    vertx = Vertx.vertx();
    open = start(new ServeOptions().root(root).host("127.0.0.1").port(0).stateDir(tmp.resolve("s1")).instances(1));
    guarded = start(new ServeOptions().root(root).host("127.0.0.1").port(0).stateDir(tmp.resolve("s2")).instances(1)
        .token(TOKEN));
    Files.writeString(tmp.resolve("good.token"), TOKEN + "\n");
    Files.writeString(tmp.resolve("bad.token"), "not-the-token\n");
  }

  ShardlineServer.Info start(ServeOptions o) throws Exception {
    return new ShardlineServer(vertx, o).start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @BeforeEach
  void capture() {
    out.reset();
    err.reset();
    realOut = System.out;
    realErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(realOut);
    System.setErr(realErr);
  }

  JsonObject json() {
    return new JsonObject(out.toString(StandardCharsets.UTF_8).strip());
  }

  @Test
  void aLiveNodeAnswersWelcome() {
    assertEquals(0, Main.run("probe", "127.0.0.1:" + open.port(), "--trust", open.fingerprint().toString(), "--json"),
        err.toString());
    JsonObject r = json();
    assertTrue(r.getBoolean("welcomed"), r.encode());
    assertTrue(r.getBoolean("ok"));
  }

  @Test
  void aRefusalForAMissingTokenIsAnAnswerButAWrongTokenFailsWhenOneIsGiven() {
    assertEquals(0, Main.run("probe", "127.0.0.1:" + guarded.port(), "--insecure", "--json"), err.toString());
    JsonObject r = json();
    assertTrue(r.getBoolean("answered"));
    assertFalse(r.getBoolean("welcomed"));
    assertEquals("AUTH_FAILED", r.getString("refusal"), r.encode());
    out.reset();
    assertEquals(1, Main.run("probe", "127.0.0.1:" + guarded.port(), "--insecure", "--token-file",
        tmp.resolve("bad.token").toString()), out + " / " + err);
    assertTrue(err.toString().contains("AUTH_FAILED"), err.toString());
    assertEquals(0, Main.run("probe", "127.0.0.1:" + guarded.port(), "--insecure", "--token-file",
        tmp.resolve("good.token").toString()), err.toString());
    assertTrue(out.toString().contains("answered WELCOME"), out.toString());
  }

  @Test
  void aSocketThatAcceptsButNeverAnswersFailsWithinTheTimeout() throws Exception {
    // the kernel completes TCP handshakes into the backlog: what a frozen (SIGSTOPped) JVM looks like
    try (ServerSocket wedged = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      long t0 = System.nanoTime();
      assertEquals(1, Main.run("probe", "127.0.0.1:" + wedged.getLocalPort(), "--insecure", "--timeout", "1", "--json"));
      double seconds = (System.nanoTime() - t0) / 1e9;
      JsonObject r = json();
      assertFalse(r.getBoolean("answered"), r.encode());
      assertTrue(seconds < 10, "bounded by --timeout: " + seconds + " s");
    }
  }

  @Test
  void aWrongCertificateOrNoListenerFails() throws Exception {
    assertEquals(1, Main.run("probe", "127.0.0.1:" + open.port(), "--trust", "sha256:" + "00".repeat(32)));
    assertTrue(err.toString().contains("did not answer"), err.toString());
    int free;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      free = s.getLocalPort();
    }
    err.reset();
    assertEquals(1, Main.run("probe", "127.0.0.1:" + free, "--insecure"));
    assertTrue(err.toString().contains("cannot connect"), err.toString());
  }

  @Test
  void aNodeThatRequiresAClientCertificateAnswersOnlyAProbeThatPresentsOne() throws Exception {
    CertAuthority ca = CertAuthority.create("probe test CA");
    Path caPem = ca.writeCertificate(tmp.resolve("pki/ca.pem"));
    Path cert = tmp.resolve("pki/probe.pem");
    Path key = tmp.resolve("pki/probe-key.pem");
    ca.issueClient("probe", java.time.Duration.ofDays(1), cert, key);
    ShardlineServer.Info mtls = start(new ServeOptions().root(tmp.resolve("root")).host("127.0.0.1").port(0)
        .stateDir(tmp.resolve("s3")).instances(1).clientCa(caPem));
    String at = "127.0.0.1:" + mtls.port();
    // without a client certificate the node refuses (it is alive: exit 0), and welcomes nobody
    assertEquals(0, Main.run("probe", at, "--trust", mtls.fingerprint().toString(), "--json"), err.toString());
    JsonObject refused = json();
    assertTrue(refused.getBoolean("answered"), refused.encode());
    assertFalse(refused.getBoolean("welcomed"), refused.encode());
    out.reset();
    assertEquals(0, Main.run("probe", at, "--trust", mtls.fingerprint().toString(), "--client-cert", cert.toString(),
        "--client-key", key.toString(), "--json"), err.toString());
    assertTrue(json().getBoolean("welcomed"));
    assertEquals(2, Main.run("probe", at, "--insecure", "--client-cert", cert.toString()), "the key goes with it");
  }

  @Test
  void badOptionsExitTwo() {
    assertEquals(2, Main.run("probe", "nohost", "--insecure"));
    assertEquals(2, Main.run("probe", "127.0.0.1:1", "--insecure", "--timeout", "0"));
    assertEquals(2, Main.run("probe", "127.0.0.1:1"), "a trust choice is required");
  }
}
