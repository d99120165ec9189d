package io.shardline.engine.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a command serves over TLS: its certificate and key, and the CA clients' certificates need. A mixin of {@code serve} and {@code relay}. */
final class ServeTlsFlags {
  @Option(names = "--cert", description = "PEM certificate (default: a self-signed one kept in the state dir).")
  Path cert;

  @Option(names = "--key", description = "PEM private key for --cert.")
  Path key;

  @Option(names = "--client-ca", paramLabel = "FILE",
      description = "Require mutual TLS: clients must present a certificate issued by a CA in this PEM bundle (tokens are still checked).")
  Path clientCa;
}
