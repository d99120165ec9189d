package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.tls.CertAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS over loopback: {@code serve --client-ca} with {@code pull --client-cert/--client-key}.
 * A client without a certificate, with one from another CA (or from an impostor CA of the same
 * name), or with an expired one is refused with a clear, non-retried error, nothing is written,
 * and the server keeps serving good clients. Tokens are still checked.
 */
class MutualTlsTest extends LoopbackTestBase {
  Path caPem;
  CertAuthority ca;

  @BeforeEach
  void certificates() throws Exception {
    ca = CertAuthority.create("shardline test CA");
    caPem = ca.writeCertificate(tmp.resolve("pki/ca.pem"));
    Loopback.file(net.root.resolve("a.bin"), 300_000, 1);
    Loopback.file(net.root.resolve("sub/b.bin"), 70_000, 2);
  }

  private PullOptions withCert(PullOptions o, CertAuthority issuer, String name, Duration validity) throws Exception {
    Path cert = tmp.resolve("pki/" + name + ".pem");
    Path key = tmp.resolve("pki/" + name + "-key.pem");
    issuer.issueClient(name, validity, cert, key);
    return o.clientCert(cert).clientKey(key);
  }

  private void assertRefused(PullResult r, String why) throws Exception {
    assertFalse(r.ok());
    assertEquals(1, r.errors().size(), r.errors()::toString);
    assertTrue(r.errors().get(0).contains(why), r.errors()::toString);
    assertFalse(Files.exists(dest), "a refused client gets nothing written");
    assertTrue(net.server.failedHandshakes() >= 1, "the server counted the refused handshake");
    // The server keeps serving others.
    Path good = tmp.resolve("good");
    PullResult ok = net.pull(withCert(net.options("", good), ca, "trainer-ok", Duration.ofDays(1)).token("s3cret"));
    assertTrue(ok.ok(), ok.errors()::toString);
    Loopback.assertSameTree(net.root, good);
  }

  @Test
  void clientWithCertificateFromTheCaIsServed() throws Exception {
    net.startWith(o -> o.clientCa(caPem).token("s3cret"));
    PullResult r = net.pull(withCert(net.options("", dest), ca, "trainer-1", Duration.ofDays(1)).token("s3cret"));
    assertTrue(r.ok(), r.errors()::toString);
    Loopback.assertSameTree(net.root, dest);
    assertEquals(0, net.server.failedHandshakes());
  }

  @Test
  void clientWithoutCertificateIsRefused() throws Exception {
    net.startWith(o -> o.clientCa(caPem).token("s3cret"));
    long t0 = System.nanoTime();
    PullResult r = net.pull(net.options("", dest).token("s3cret"));
    assertTrue((System.nanoTime() - t0) / 1e9 < 10, "refused at once, not retried until the progress timeout");
    assertRefused(r, "requires a client certificate");
  }

  @Test
  void clientWithCertificateFromAnotherCaIsRefused() throws Exception {
    net.startWith(o -> o.clientCa(caPem).token("s3cret"));
    PullResult r = net.pull(withCert(net.options("", dest), CertAuthority.create("some other CA"), "stranger",
        Duration.ofDays(1)).token("s3cret"));
    assertRefused(r, "requires a client certificate");
  }

  @Test
  void clientWithCertificateFromAnImpostorCaOfTheSameNameIsRefused() throws Exception {
    net.startWith(o -> o.clientCa(caPem).token("s3cret"));
    // Same issuer name, so the client offers its certificate; the signature does not verify.
    CertAuthority impostor = CertAuthority.create("shardline test CA");
    PullResult r = net.pull(withCert(net.options("", dest), impostor, "impostor", Duration.ofDays(1)).token("s3cret"));
    assertRefused(r, "refused this client's certificate");
  }

  @Test
  void expiredClientCertificateIsRefused() throws Exception {
    net.startWith(o -> o.clientCa(caPem).token("s3cret"));
    PullResult r = net.pull(withCert(net.options("", dest), ca, "expired", Duration.ofHours(-1)).token("s3cret"));
    assertRefused(r, "refused this client's certificate (TLS certificate expired)");
  }

  @Test
  void tokenIsStillCheckedForAClientWithAGoodCertificate() throws Exception {
    net.startWith(o -> o.clientCa(caPem).token("s3cret"));
    PullResult r = net.pull(withCert(net.options("", dest), ca, "trainer-2", Duration.ofDays(1)).token("guess"));
    assertFalse(r.ok());
    assertTrue(r.errors().get(0).contains("wrong token"), r.errors()::toString);
    assertEquals(0, net.server.failedHandshakes(), "TLS was fine; the token was not");
    assertTrue(net.server.refusedClients() >= 1);
  }

  @Test
  void aClientCertificateIsHarmlessForAServerThatDoesNotAskForOne() throws Exception {
    net.startWith(o -> o.token("s3cret"));
    PullResult r = net.pull(withCert(net.options("", dest), ca, "trainer-3", Duration.ofDays(1)).token("s3cret"));
    assertTrue(r.ok(), r.errors()::toString);
  }

  @Test
  void serverRefusesToStartWithABadClientCaFile() throws Exception {
    Path leaf = tmp.resolve("pki/leaf.pem");
    ca.issueClient("leaf", Duration.ofDays(1), leaf, tmp.resolve("pki/leaf-key.pem"));
    Exception e = assertThrows(Exception.class, () -> net.startWith(o -> o.clientCa(leaf)));
    assertTrue(e.getMessage().contains("is not a CA certificate"), e::getMessage);
    Path empty = Files.writeString(tmp.resolve("pki/empty.pem"), "");
    e = assertThrows(Exception.class, () -> net.startWith(o -> o.clientCa(empty)));
    assertTrue(e.getMessage().contains("holds no PEM certificate"), e::getMessage);
    e = assertThrows(Exception.class, () -> net.startWith(o -> o.clientCa(caPem).plaintextForTestsOnly(true)));
    assertTrue(e.getMessage().contains("client certificates need TLS"), e::getMessage);
  }
}
