package io.shardline.engine.tls;

import io.netty.handler.ssl.OpenSsl;
import io.shardline.engine.wire.ErrorCode;
import io.shardline.engine.wire.ShardlineException;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * TLS set-up for both ends: TLS 1.3 only, through OpenSSL (BoringSSL from
 * netty-tcnative). There is no silent fallback to the JDK engine, which costs about 2.3x the CPU.
 */
public final class TlsSupport {
  private TlsSupport() {}

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
    requireOpenSsl();
    NetServerOptions o = new NetServerOptions()
        .setSsl(true)
        .setSslEngineOptions(new OpenSSLEngineOptions())
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certPem.toString()).setKeyPath(keyPem.toString()))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"))
        .setTcpNoDelay(true)
        .setRegisterWriteHandler(false)
        .setSslHandshakeTimeout(handshakeTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    o.setReceiveBufferSize(4 * 1024 * 1024).setSendBufferSize(4 * 1024 * 1024);
    return o;
  }

  public static NetClientOptions client(Trust trust, PinningTrustManager pinning, int connectTimeoutMs) {
    requireOpenSsl();
    NetClientOptions o = new NetClientOptions()
        .setSsl(true)
        .setSslEngineOptions(new OpenSSLEngineOptions())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"))
        .setTcpNoDelay(true)
        .setConnectTimeout(connectTimeoutMs)
        .setSslHandshakeTimeout(connectTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    o.setReceiveBufferSize(4 * 1024 * 1024).setSendBufferSize(4 * 1024 * 1024);
    if (trust instanceof Trust.Pinned) {
      o.setTrustOptions(TrustOptions.wrap(pinning)).setHostnameVerificationAlgorithm("");
    } else if (trust instanceof Trust.CaFile ca) {
      o.setTrustOptions(new PemTrustOptions().addCertPath(ca.pem().toString())).setHostnameVerificationAlgorithm("HTTPS");
    } else {
      o.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    return o;
  }

  /** The fingerprint of the first certificate in a PEM file. */
  public static Fingerprint fingerprintOf(Path certPem) throws IOException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certPem)));
      return Fingerprint.of(c);
    } catch (CertificateException e) {
      throw new IOException("cannot read certificate " + certPem + ": " + e.getMessage(), e);
    }
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
