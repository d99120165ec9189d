package io.shardline.engine.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** Reading and writing PEM files: certificates, unencrypted private keys. Blocking file I/O. */
public final class Pem {
  private Pem() {}

  /**
   * Every certificate in a PEM file, in order (other PEM objects are skipped); fails with a clear
   * message when there is none or one does not parse.
   */
  public static List<X509Certificate> certificates(Path pem) throws IOException {
    List<X509Certificate> out = new ArrayList<>();
    try (PEMParser p = new PEMParser(Files.newBufferedReader(pem, StandardCharsets.US_ASCII))) {
      JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          out.add(conv.getCertificate(h));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new IOException(pem + " is not a readable PEM certificate file: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IOException(pem + " holds no PEM certificate");
    }
    return out;
  }

  /** The private key in a PEM file (PKCS#8 {@code PRIVATE KEY}, or {@code EC}/{@code RSA PRIVATE KEY}). */
  public static PrivateKey privateKey(Path pem) throws IOException {
    try (PEMParser p = new PEMParser(Files.newBufferedReader(pem, StandardCharsets.US_ASCII))) {
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          return conv.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return conv.getKeyPair(pair).getPrivate();
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(pem + " is not a readable PEM private key: " + e.getMessage(), e);
    }
    throw new IOException(pem + " holds no unencrypted PEM private key (PRIVATE KEY, EC or RSA PRIVATE KEY)");
  }

  /** PEM text of a certificate, key or other object BouncyCastle's writer knows. */
  public static String encode(Object o) throws IOException {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(o);
    }
    return sw.toString();
  }

  /** Writes {@code text} to {@code target} by an atomic rename; a secret is created with mode 600. */
  public static void writeAtomically(Path target, String text, boolean secret) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    try {
      if (secret) {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX filesystem
        }
      }
      Files.writeString(tmp, text);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
