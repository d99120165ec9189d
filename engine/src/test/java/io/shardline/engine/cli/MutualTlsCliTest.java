package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.tls.CertAuthority;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --client-ca} and {@code pull --client-cert/--client-key} on the command line, with
 * certificates made by openssl through perf/security/mtls-certs.sh (the commands docs/security.md
 * gives operators).
 */
class MutualTlsCliTest {
  @TempDir
  Path tmp;
  Path root;
  Path pki;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  PrintStream realOut;
  PrintStream realErr;
  Vertx vertx;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    Files.write(root.resolve("a.bin"), new byte[200_000]);
    pki = tmp.resolve("pki");
    vertx = Vertx.vertx();
    realOut = System.out;
    realErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() throws Exception {
    System.setOut(realOut);
    System.setErr(realErr);
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static Path script() {
    Path p = Path.of("..", "perf", "security", "mtls-certs.sh").toAbsolutePath().normalize();
    Assumptions.assumeTrue(Files.isRegularFile(p), "perf/security/mtls-certs.sh not found from " + Path.of("").toAbsolutePath());
    return p;
  }

  private static boolean onPath(String cmd) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, cmd))) {
        return true;
      }
    }
    return false;
  }

  private void run(String... args) throws Exception {
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", args) + " did not finish");
    }
    assertEquals(0, p.exitValue(), () -> String.join(" ", args) + ": " + output);
  }

  private ShardlineServer.Info serve(Path clientCa) throws Exception {
    return new ShardlineServer(vertx, new ServeOptions().root(root).host("127.0.0.1").port(0)
        .stateDir(tmp.resolve("state")).instances(2).clientCa(clientCa))
        .start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private int pull(ShardlineServer.Info info, String dest, String... extra) {
    String[] base = {"pull", "shardline://127.0.0.1:" + info.port() + "/", tmp.resolve(dest).toString(), "--trust",
        info.fingerprint().toString(), "--lanes", "2", "--json"};
    String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return Main.run(args);
  }

  @Test
  void opensslMadeCertificatesFromTheDocsWork() throws Exception {
    Assumptions.assumeTrue(onPath("openssl") && onPath("bash"), "needs openssl and bash");
    Path script = script();
    run("bash", script.toString(), "ca", pki.toString());
    run("bash", script.toString(), "client", pki.toString(), "trainer-17");
    ShardlineServer.Info info = serve(pki.resolve("ca.pem"));
    int code = pull(info, "dest", "--client-cert", pki.resolve("trainer-17.pem").toString(),
        "--client-key", pki.resolve("trainer-17-key.pem").toString());
    assertEquals(0, code, () -> "stderr: " + err);
    assertEquals(-1L, Files.mismatch(root.resolve("a.bin"), tmp.resolve("dest/a.bin")));

    int refused = pull(info, "dest2");
    assertEquals(1, refused);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("requires a client certificate"), err::toString);
    assertFalse(Files.exists(tmp.resolve("dest2/a.bin")));
  }

  @Test
  void badClientCertificateOptionsAreRefusedBeforeConnecting() throws Exception {
    CertAuthority ca = CertAuthority.create("ca");
    Path caPem = ca.writeCertificate(pki.resolve("ca.pem"));
    ca.issueClient("one", Duration.ofDays(1), pki.resolve("one.pem"), pki.resolve("one-key.pem"));
    ca.issueClient("two", Duration.ofDays(1), pki.resolve("two.pem"), pki.resolve("two-key.pem"));
    ShardlineServer.Info info = serve(caPem);

    assertEquals(2, pull(info, "d1", "--client-cert", pki.resolve("one.pem").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--client-cert and --client-key go together"), err::toString);

    assertEquals(2, pull(info, "d2", "--client-cert", pki.resolve("one.pem").toString(),
        "--client-key", pki.resolve("two-key.pem").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("does not belong to --client-cert"), err::toString);

    assertEquals(2, pull(info, "d3", "--client-cert", pki.resolve("one-key.pem").toString(),
        "--client-key", pki.resolve("one-key.pem").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("holds no PEM certificate"), err::toString);

    assertEquals(0, pull(info, "d4", "--client-cert", pki.resolve("two.pem").toString(),
        "--client-key", pki.resolve("two-key.pem").toString()), err::toString);
  }

  @Test
  void serveRefusesABadClientCaBeforeListening() throws Exception {
    Path notCa = Files.writeString(Files.createDirectories(pki).resolve("junk.pem"), "not a certificate\n");
    int code = Main.run("serve", "--root", root.toString(), "--listen", "127.0.0.1:0", "--state-dir",
        tmp.resolve("state").toString(), "--client-ca", notCa.toString());
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--client-ca") || err.toString(StandardCharsets.UTF_8)
        .contains("junk.pem"), err::toString);
    assertFalse(out.toString(StandardCharsets.UTF_8).contains("listening"));
  }
}
