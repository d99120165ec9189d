package io.shardline.engine.tls;

import java.nio.file.Path;

/**
 * How a client decides to trust a server: a pinned fingerprint, a CA file, the JDK's system CAs
 * (HTTPS sources on the public web), or (asked) nothing.
 */
public sealed interface Trust permits Trust.Pinned, Trust.CaFile, Trust.SystemCas, Trust.Insecure {
  record Pinned(Fingerprint fingerprint) implements Trust {}

  record CaFile(Path pem) implements Trust {}

  /** The JDK's default trust store (cacerts), with host name verification. */
  record SystemCas() implements Trust {}

  record Insecure() implements Trust {}
}
