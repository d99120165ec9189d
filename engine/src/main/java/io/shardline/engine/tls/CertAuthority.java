package io.shardline.engine.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority (EC P-256, SHA-256) that issues client certificates for mutual
 * TLS ({@code serve --client-ca}, {@code pull --client-cert/--client-key}). Meant for tests and
 * for trying mutual TLS out; operators with a PKI use their own CA (see docs/security.md for the
 * openssl commands). The CA's key stays in memory.
 */
public final class CertAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair keys;
  private final X509Certificate cert;

  private CertAuthority(KeyPair keys, X509Certificate cert) {
    this.keys = keys;
    this.cert = cert;
  }

  /** A new CA named {@code CN=commonName}, valid from yesterday for ten years. */
  public static CertAuthority create(String commonName) throws IOException {
    try {
      KeyPair kp = newKeyPair();
      X500Name name = new X500Name("CN=" + commonName);
      JcaX509v3CertificateBuilder b = builder(name, name, kp, Duration.ofDays(3650));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
      return new CertAuthority(kp, sign(b, kp));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create a CA: " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return cert;
  }

  /** Writes the CA certificate (not its key): the file {@code serve --client-ca} reads. */
  public Path writeCertificate(Path pem) throws IOException {
    Pem.writeAtomically(pem, Pem.encode(cert), false);
    return pem;
  }

  /**
   * Issues a client certificate for {@code CN=commonName} (extended key usage clientAuth) and
   * writes it and its new private key (PKCS#8, mode 600) as PEM.
   */
  public void issueClient(String commonName, Duration validity, Path certPem, Path keyPem) throws IOException {
    try {
      KeyPair kp = newKeyPair();
      X500Name issuer = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
      JcaX509v3CertificateBuilder b = builder(issuer, new X500Name("CN=" + commonName), kp, validity);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      b.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(cert));
      X509Certificate issued = sign(b, keys);
      Pem.writeAtomically(keyPem, Pem.encode(new JcaPKCS8Generator(kp.getPrivate(), null).generate()), true);
      Pem.writeAtomically(certPem, Pem.encode(issued), false);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot issue a client certificate: " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return gen.generateKeyPair();
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys,
      Duration validity) {
    Instant now = Instant.now();
    Instant from = now.minus(Duration.ofDays(1));
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(from),
        Date.from(now.plus(validity)), subject, subjectKeys.getPublic());
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer)
      throws GeneralSecurityException, OperatorCreationException {
    X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
    return new JcaX509CertificateConverter().getCertificate(holder);
  }
}
