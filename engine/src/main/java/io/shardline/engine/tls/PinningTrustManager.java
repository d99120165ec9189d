package io.shardline.engine.tls;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly one server certificate, identified by its SHA-256 fingerprint. A rejection is
 * remembered so the client can report it as {@code UNTRUSTED_PEER} (the TLS layer's own error
 * is often just "handshake failed").
 */
public final class PinningTrustManager implements X509TrustManager {
  private final Fingerprint pinned;
  private final AtomicReference<String> rejection = new AtomicReference<>();

  public PinningTrustManager(Fingerprint pinned) {
    this.pinned = pinned;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw reject("server presented no certificate");
    }
    Fingerprint got = Fingerprint.of(chain[0]);
    if (!got.matches(pinned)) {
      throw reject("server certificate " + got + " does not match the pinned " + pinned);
    }
  }

  private CertificateException reject(String msg) {
    rejection.set(msg);
    return new CertificateException(msg);
  }

  /** Why the last handshake was refused, or null. */
  public String rejection() {
    return rejection.get();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("client certificates are not checked by this trust manager");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
