package io.shardline.engine.cli;

import io.shardline.engine.tls.TlsSupport;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --client-cert} and {@code --client-key}: the client's identity for nodes that require mutual TLS (a mixin of {@code push} and {@code probe}). */
final class ClientIdentityFlags {
  @Option(names = "--client-cert", paramLabel = "FILE",
      description = "PEM client certificate, for nodes that require mutual TLS (serve --client-ca).")
  Path clientCert;

  @Option(names = "--client-key", paramLabel = "FILE", description = "PEM private key of --client-cert.")
  Path clientKey;

  /**
   * Null when the two are given together (then checked: readable, the key matches) or not at all,
   * else what is wrong. Throws for an unreadable or mismatched pair.
   */
  String problem() throws java.io.IOException {
    if ((clientCert == null) != (clientKey == null)) {
      return "--client-cert and --client-key go together";
    }
    if (clientCert != null) {
      TlsSupport.checkClientIdentity(clientCert, clientKey);
    }
    return null;
  }
}
