package io.shardline.engine.tls;

import java.nio.file.Path;

/** How a client decides to trust a server: a pinned fingerprint, a CA file, or (asked) nothing. */
public sealed interface Trust permits Trust.Pinned, Trust.CaFile, Trust.Insecure {
  record Pinned(Fingerprint fingerprint) implements Trust {}

  record CaFile(Path pem) implements Trust {}

  record Insecure() implements Trust {}
}
