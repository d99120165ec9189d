package io.shardline.engine.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Creates (once) and keeps a self-signed EC P-256 certificate in a state directory, as
 * {@code server-cert.pem} and {@code server-key.pem} (mode 600). Clients pin its fingerprint.
 */
public final class SelfSignedCert {
  public static final String CERT = "server-cert.pem";
  public static final String KEY = "server-key.pem";

  private SelfSignedCert() {}

  /** The cert and key paths in {@code stateDir}, creating them if absent. */
  public static Path[] ensure(Path stateDir) throws IOException {
    Path cert = stateDir.resolve(CERT);
    Path key = stateDir.resolve(KEY);
    if (Files.isRegularFile(cert) && Files.isRegularFile(key)) {
      return new Path[] {cert, key};
    }
    Files.createDirectories(stateDir);
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = gen.generateKeyPair();
      X500Name name = new X500Name("CN=shardline");
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
          new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
          Date.from(now.plus(Duration.ofDays(3650))), name, kp.getPublic());
      List<GeneralName> sans = new ArrayList<>(List.of(
          new GeneralName(GeneralName.dNSName, "localhost"),
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
          new GeneralName(GeneralName.iPAddress, "::1")));
      try {
        sans.add(new GeneralName(GeneralName.dNSName, InetAddress.getLocalHost().getHostName()));
      } catch (IOException ignored) {
        // no resolvable host name: localhost and loopback addresses are enough
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
      X509CertificateHolder holder = b.build(signer);
      Pem.writeAtomically(key, Pem.encode(new JcaPKCS8Generator(kp.getPrivate(), null).generate()), true);
      Pem.writeAtomically(cert, Pem.encode(holder), false);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot create a self-signed certificate: " + e.getMessage(), e);
    }
    return new Path[] {cert, key};
  }
}
