package io.shardline.engine.cli;

import io.shardline.engine.transfer.Compression;
import io.shardline.engine.transfer.PullOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * How a command pulls from Shardline nodes: more sources, failover, lanes, chunk size, the
 * upstream's token, client certificate and trust, compression, the progress timeout. A mixin of
 * {@code pull} and {@code relay}.
 */
final class UpstreamFlags {
  @Option(names = "--source", paramLabel = "shardline://HOST:PORT/REMOTE_PATH",
      description = {"Another source of the same content (repeatable; after those of the first argument, in order"
          + " of preference). Every source must list the same files, sizes and roots, else the pull stops"
          + " before fetching; lanes are spread over the sources, and a source that fails hands its chunks"
          + " to the others. --trust, --ca or --insecure applies to every source."})
  List<String> extraSources = new ArrayList<>();

  @Option(names = "--failover",
      description = {"With several sources: pull from the first while it works and move every lane to the next"
          + " only when it is down (for relays in a chain or tree, so the origin sends one copy), instead of"
          + " spreading lanes over all sources."})
  boolean failover;

  @Option(names = "--verify-hashes",
      description = {"Hash every received chunk (SHA-256) and check it against the manifest, so the file's digest is"
          + " checked end to end from its bytes (~0.7 CPU-s per GB more). Without it a received chunk is checked by its"
          + " CRC32C, and only bytes reused from an older local version are hashed."})
  boolean verifyHashes;

  @Option(names = "--lanes", description = "Parallel TLS connections (default: cores, at least 2; https://: 4).")
  Integer lanes;

  @Option(names = "--chunk-size", defaultValue = "4MiB",
      description = "Chunk size, e.g. 1MiB, 4MiB; a relay's downstreams pull with its size (default: ${DEFAULT-VALUE}).")
  String chunkSize;

  @Option(names = "--token-file", description = "File holding the (upstream) server's token.")
  Path tokenFile;

  @Option(names = "--client-cert", paramLabel = "FILE",
      description = "PEM client certificate, for servers that require mutual TLS (serve --client-ca).")
  Path clientCert;

  @Option(names = "--client-key", paramLabel = "FILE", description = "PEM private key of --client-cert.")
  Path clientKey;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  TrustChoice trust;

  static final class TrustChoice {
    @Option(names = "--trust", paramLabel = "sha256:HEX",
        description = "Pin the server certificate's fingerprint (printed by serve). One of --trust, --ca, --insecure is"
            + " required for shardline://; https:// trusts the system CAs unless --ca or --insecure is given.")
    String fingerprint;

    @Option(names = "--ca", paramLabel = "FILE", description = "Trust server certificates signed by this CA (PEM).")
    Path ca;

    @Option(names = "--insecure", description = "Do not verify the server at all (testing only).")
    boolean insecure;
  }

  @Option(names = "--compression", defaultValue = "auto", paramLabel = "auto|none|zstd|planes",
      description = "auto: compress what shrinks, when the link is slower than compressing; none; zstd; planes (byte planes for float tensors) (default: ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--progress-timeout", defaultValue = "60", description = "Seconds without any progress before the pull fails (default: ${DEFAULT-VALUE}).")
  double progressSeconds;

  /**
   * The pull these flags describe, from the sources of {@code first} (and {@code --source}) into
   * {@code dest}: lanes, chunk size, timeouts, compression, rate, trust, token and client
   * certificate. {@code trust} must be set. Throws IllegalArgumentException for a bad value.
   */
  PullOptions pullOptions(String first, Path dest, Path base, double stallSeconds, String rateLimit) {
    PullOptions o = new PullOptions()
        .sources(PullCommand.sourcesOf(first, extraSources))
        .failover(failover)
        .verifyHashes(verifyHashes)
        .base(base)
        .destination(dest)
        .lanes(lanes == null ? PullOptions.DEFAULT_LANES : lanes)
        .chunkSize(OptionValues.chunkSize("--chunk-size", chunkSize))
        .stallTimeoutMs(OptionValues.seconds("--stall-timeout", stallSeconds))
        .progressTimeoutMs(OptionValues.seconds("--progress-timeout", progressSeconds))
        .compression(Compression.parse(compression))
        .rateLimit(rateLimit == null ? 0 : OptionValues.rate("--rate-limit", rateLimit))
        .trust(OptionValues.trust(trust.fingerprint, trust.ca, trust.insecure));
    if (tokenFile != null) {
      o.token(OptionValues.token("--token-file", tokenFile));
    }
    if (clientCert != null) {
      o.clientCert(clientCert).clientKey(clientKey);
    }
    return o;
  }
}
