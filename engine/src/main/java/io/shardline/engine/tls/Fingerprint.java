package io.shardline.engine.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/** A certificate fingerprint, written {@code sha256:HEX} (SHA-256 of the DER encoding). */
public record Fingerprint(byte[] sha256) {
  public static final String PREFIX = "sha256:";

  public static Fingerprint of(X509Certificate cert) {
    try {
      return new Fingerprint(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses {@code sha256:HEX} (colons inside HEX are allowed, case does not matter). */
  public static Fingerprint parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (!t.startsWith(PREFIX)) {
      throw new IllegalArgumentException("fingerprint must look like sha256:HEX, got '" + s + "'");
    }
    String hex = t.substring(PREFIX.length()).replace(":", "");
    if (hex.length() != 64) {
      throw new IllegalArgumentException("a sha256 fingerprint has 64 hex digits, got " + hex.length());
    }
    try {
      return new Fingerprint(HexFormat.of().parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("fingerprint '" + s + "' is not hex");
    }
  }

  /** Constant-time comparison. */
  public boolean matches(Fingerprint other) {
    return MessageDigest.isEqual(sha256, other.sha256);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Fingerprint f && matches(f);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(sha256);
  }

  @Override
  public String toString() {
    return PREFIX + HexFormat.of().formatHex(sha256);
  }
}
