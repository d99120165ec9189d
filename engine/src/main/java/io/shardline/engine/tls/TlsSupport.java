package io.shardline.engine.tls;

import io.netty.handler.ssl.OpenSsl;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * TLS set-up for both ends: TLS 1.3 only, through OpenSSL (BoringSSL from
 * netty-tcnative). There is no silent fallback to the JDK engine, which costs about 2.3x the CPU.
 * Optionally mutual: the server requires client certificates from a CA bundle, and the client
 * presents one.
 */
public final class TlsSupport {
  private TlsSupport() {}

  /**
   * Loads OpenSSL (netty-tcnative's native library and its cipher table) on a daemon thread, so
   * that work overlaps the command line's parsing and Vert.x's start instead of delaying the first
   * connection; {@link #requireOpenSsl()} then waits for it if it is still running (class
   * initialisation is once and thread-safe). About 85 ms of a pull's start-up with the AOT cache,
   * far more without.
   */
  public static void preload() {
    Thread t = new Thread(OpenSsl::isAvailable, "shardline-openssl-preload");
    t.setDaemon(true);
    t.start();
  }

  /** Fails with a clear message when the OpenSSL engine cannot be loaded. */
  public static void requireOpenSsl() {
    if (!OpenSsl.isAvailable()) {
      Throwable why = OpenSsl.unavailabilityCause();
      throw new ShardlineException(ErrorCode.INTERNAL,
          "OpenSSL (netty-tcnative-boringssl-static, linux-x86_64) is not available: "
              + (why == null ? "unknown reason" : why) + ". Shardline does not fall back to the JDK TLS engine.");
    }
  }

  public static NetServerOptions server(Path certPem, Path keyPem, long handshakeTimeoutMs) {
    return server(certPem, keyPem, handshakeTimeoutMs, null);
  }

  /**
   * Server options; with {@code clientCa} (a PEM bundle of CA certificates), every client must
   * present a certificate that chains to one of them, or the TLS handshake fails (mutual TLS).
   */
  public static NetServerOptions server(Path certPem, Path keyPem, long handshakeTimeoutMs, Path clientCa) {
    return server(new NetServerOptions(), certPem, keyPem, handshakeTimeoutMs, clientCa);
  }

  /**
   * The same TLS set-up applied to {@code o}, a listener's options of any kind (the shardline
   * port's {@code NetServerOptions}, the HTTPS front's {@code HttpServerOptions}).
   */
  public static <T extends NetServerOptions> T server(T o, Path certPem, Path keyPem, long handshakeTimeoutMs,
      Path clientCa) {
    requireOpenSsl();
    o.setSsl(true)
        .setSslEngineOptions(new OpenSSLEngineOptions())
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certPem.toString()).setKeyPath(keyPem.toString()))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"))
        .setTcpNoDelay(true)
        .setRegisterWriteHandler(false)
        .setSslHandshakeTimeout(handshakeTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    // No SO_RCVBUF/SO_SNDBUF: Linux autotunes them, and Vert.x turns a receive buffer size into
    // a FixedRecvByteBufAllocator of that size, so every read of every connection (one stalled
    // in its TLS handshake too) would take a buffer that large (4 MiB: 124 stalled handshakes
    // exhausted 512 MiB of direct memory). Netty's adaptive allocator starts reads at 2 KiB.
    if (clientCa != null) {
      o.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(new PemTrustOptions().addCertPath(clientCa.toString()));
    }
    return o;
  }

  public static NetClientOptions client(Trust trust, PinningTrustManager pinning, int connectTimeoutMs) {
    return client(trust, pinning, connectTimeoutMs, null, null);
  }

  /**
   * Client options; with {@code clientCert} and {@code clientKey} (PEM), the client presents that
   * certificate to servers that ask for one (mutual TLS). Both or neither.
   */
  public static NetClientOptions client(Trust trust, PinningTrustManager pinning, int connectTimeoutMs,
      Path clientCert, Path clientKey) {
    requireOpenSsl();
    NetClientOptions o = new NetClientOptions()
        .setSsl(true)
        .setSslEngineOptions(new OpenSSLEngineOptions())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"))
        .setTcpNoDelay(true)
        .setConnectTimeout(connectTimeoutMs)
        .setSslHandshakeTimeout(connectTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    // No SO_RCVBUF/SO_SNDBUF here either (see server()): a fixed size switches off Linux's TCP
    // autotuning, is capped at net.core.rmem_max (208 KiB on a stock host, too small for a
    // 10 Gbit/s path with a few ms of RTT), and makes Vert.x read into buffers that large. On an
    // emulated 10 Gbit/s link a 2 GiB pull took 4.1-4.9 s autotuned against 5.0-5.6 s with 4 MiB
    // buffers (docs/benchmarks.md, "Line rate (issue 18)").
    if (trust instanceof Trust.Pinned) {
      o.setTrustOptions(TrustOptions.wrap(pinning)).setHostnameVerificationAlgorithm("");
    } else if (trust instanceof Trust.CaFile ca) {
      o.setTrustOptions(new PemTrustOptions().addCertPath(ca.pem().toString())).setHostnameVerificationAlgorithm("HTTPS");
    } else if (trust instanceof Trust.SystemCas) {
      o.setHostnameVerificationAlgorithm("HTTPS"); // no trust options: the JDK's default trust store
    } else {
      o.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    if ((clientCert == null) != (clientKey == null)) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "--client-cert and --client-key go together");
    }
    if (clientCert != null) {
      o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(clientCert.toString()).setKeyPath(clientKey.toString()));
    }
    return o;
  }

  /**
   * Options of an HTTPS client for sources that are not Shardline nodes (web servers, object
   * stores): OpenSSL, TLS 1.2 or 1.3 (much of the web still offers only 1.2), host names verified
   * against the system CAs ({@link Trust.SystemCas}) or a CA file; {@link Trust.Insecure} verifies
   * nothing. A pinned fingerprint is for Shardline nodes only.
   */
  public static HttpClientOptions https(Trust trust, int connectTimeoutMs) {
    requireOpenSsl();
    HttpClientOptions o = new HttpClientOptions().setSsl(true).setSslEngineOptions(new OpenSSLEngineOptions())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3")).setTcpNoDelay(true)
        .setConnectTimeout(connectTimeoutMs).setSslHandshakeTimeout(connectTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (trust instanceof Trust.CaFile ca) {
      o.setTrustOptions(new PemTrustOptions().addCertPath(ca.pem().toString())).setVerifyHost(true);
    } else if (trust instanceof Trust.SystemCas) {
      o.setVerifyHost(true);
    } else if (trust instanceof Trust.Insecure) {
      o.setTrustAll(true).setVerifyHost(false);
    } else {
      throw new ShardlineException(ErrorCode.BAD_REQUEST,
          "--trust pins a Shardline node's certificate; an HTTPS source is verified by --ca FILE or the system CAs");
    }
    return o;
  }

  /**
   * Checks a {@code --client-ca} bundle before serving: readable, at least one certificate, each
   * one a CA certificate (basic constraints) that is currently valid. Blocking.
   */
  public static List<X509Certificate> checkClientCa(Path caPem) throws IOException {
    List<X509Certificate> cas = Pem.certificates(caPem);
    for (X509Certificate c : cas) {
      String who = c.getSubjectX500Principal().getName();
      if (c.getBasicConstraints() < 0) {
        throw new IOException("--client-ca " + caPem + ": " + who + " is not a CA certificate (no CA:TRUE basic constraint)");
      }
      try {
        c.checkValidity();
      } catch (CertificateException e) {
        throw new IOException("--client-ca " + caPem + ": " + who + " is not valid now: " + e.getMessage(), e);
      }
    }
    return cas;
  }

  /**
   * Checks a client certificate and key before connecting: both readable, and the key is the
   * certificate's (a signature made with it verifies with the certificate). Blocking.
   */
  public static X509Certificate checkClientIdentity(Path certPem, Path keyPem) throws IOException {
    X509Certificate cert = Pem.certificates(certPem).get(0);
    PrivateKey key = Pem.privateKey(keyPem);
    try {
      String alg = switch (key.getAlgorithm()) {
        case "EC" -> "SHA256withECDSA";
        case "RSA" -> "SHA256withRSA";
        default -> key.getAlgorithm(); // Ed25519, Ed448
      };
      byte[] probe = "shardline client key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      if (!v.verify(sig)) {
        throw new IOException("--client-key " + keyPem + " does not belong to --client-cert " + certPem);
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("--client-key " + keyPem + " does not belong to --client-cert " + certPem + ": "
          + e.getMessage(), e);
    }
    try {
      cert.checkValidity();
    } catch (CertificateException e) {
      throw new IOException("--client-cert " + certPem + " is not valid now: " + e.getMessage(), e);
    }
    return cert;
  }

  /** The fingerprint of the first certificate in a PEM file. */
  public static Fingerprint fingerprintOf(Path certPem) throws IOException {
    return Fingerprint.of(Pem.certificates(certPem).get(0));
  }

  /** Reads a token file: its content, trimmed; empty tokens are refused. */
  public static String readToken(Path file) throws IOException {
    String t = Files.readString(file).trim();
    if (t.isEmpty()) {
      throw new IOException("token file " + file + " is empty");
    }
    return t;
  }
}
