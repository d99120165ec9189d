package io.shardline.engine.tls;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Turns TLS alerts a client receives into typed errors. In TLS 1.3 the server checks the
 * client's certificate after the client considers the handshake done, so a refused client
 * certificate shows up as an alert on the first read, not as a failed connect; without this the
 * client could only say "connection closed" and would retry as if the network had failed.
 */
public final class TlsAlerts {
  /** Alert names (as BoringSSL/OpenSSL spell them) that mean the server refused our certificate. */
  private static final List<String> REFUSED = List.of("ALERT_BAD_CERTIFICATE", "ALERT_UNKNOWN_CA",
      "ALERT_CERTIFICATE_EXPIRED", "ALERT_CERTIFICATE_REVOKED", "ALERT_CERTIFICATE_UNKNOWN",
      "ALERT_UNSUPPORTED_CERTIFICATE", "ALERT_ACCESS_DENIED", "ALERT_DECRYPT_ERROR");
  private static final String REQUIRED = "ALERT_CERTIFICATE_REQUIRED";

  private TlsAlerts() {}

  /**
   * An {@link ErrorCode#AUTH_FAILED} error when {@code t} (or a cause) is a TLS alert by which
   * {@code server} refused this client's certificate, or null for anything else.
   */
  public static ShardlineException clientCertificateRefused(Throwable t, String server) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (!(c instanceof SSLException) || c.getMessage() == null) {
        continue;
      }
      String msg = c.getMessage().toUpperCase(Locale.ROOT);
      if (msg.contains(REQUIRED)) {
        return new ShardlineException(ErrorCode.AUTH_FAILED, server + " requires a client certificate (mutual TLS)"
            + " and this client presented none: pass --client-cert and --client-key with a certificate issued by"
            + " a CA in the server's --client-ca (a certificate from another CA is not offered)", t);
      }
      for (String alert : REFUSED) {
        if (msg.contains(alert)) {
          return new ShardlineException(ErrorCode.AUTH_FAILED, server + " refused this client's certificate (TLS "
              + alert.substring("ALERT_".length()).toLowerCase(Locale.ROOT).replace('_', ' ') + ")", t);
        }
      }
    }
    return null;
  }

  /** Whether {@code t} (or a cause) is a TLS failure, as opposed to a connection that merely closed. */
  public static boolean isTlsFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof SSLException || c instanceof java.security.cert.CertificateException
          || c instanceof io.netty.handler.ssl.NotSslRecordException) {
        return true;
      }
    }
    return false;
  }

  /** Why a server-side TLS handshake failed, in words an operator can act on. */
  public static String serverSideReason(Throwable t) {
    Throwable root = t;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      root = c;
      if (c instanceof CertificateExpiredException || c instanceof CertificateNotYetValidException) {
        return "the client's certificate is not valid now (" + c.getMessage() + ")";
      }
      if (c instanceof CertPathValidatorException v && (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED
          || v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
        return "the client's certificate is not valid now (" + (v.getCause() != null ? v.getCause().getMessage()
            : v.getMessage()) + ")";
      }
      if (c instanceof CertPathValidatorException) {
        return "the client's certificate was not issued by a CA in --client-ca (" + c.getMessage() + ")";
      }
    }
    String raw = root.getMessage() == null ? root.toString() : root.getMessage();
    String msg = raw.toUpperCase(Locale.ROOT);
    if (msg.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
      return "the client presented no certificate (it has none, or none issued by a CA in --client-ca)";
    }
    if (msg.contains("ALERT_BAD_CERTIFICATE") || msg.contains("ALERT_UNKNOWN_CA")
        || msg.contains("ALERT_CERTIFICATE_UNKNOWN")) {
      return "the client refused this server's certificate (" + raw + "): it pins another fingerprint or trusts"
          + " another CA";
    }
    return raw;
  }
}
