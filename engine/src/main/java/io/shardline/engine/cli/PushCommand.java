package io.shardline.engine.cli;

import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.push.PushOptions;
import io.shardline.engine.push.PushResult;
import io.shardline.engine.push.PushSession;
import io.shardline.engine.transfer.Compression;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "push", mixinStandardHelpOptions = true,
    description = {"Push a file or a directory tree into a Shardline node's served tree (serve --accept-push).",
        "The node pulls it over connections this side opens: the same lanes, codecs, checks, resume and delta as a",
        "pull; a file lands as REMOTE_DIR/NAME, a directory's contents directly in REMOTE_DIR."})
public final class PushCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "LOCAL_PATH", description = "The file or directory to push.")
  Path local;

  @Parameters(index = "1", paramLabel = "shardline://HOST:PORT/REMOTE_DIR",
      description = "The node, and the folder of its served tree the files land in (created if missing; '/' is its root).")
  String url;

  @Option(names = "--token-file", required = true, paramLabel = "FILE",
      description = "File holding the node's push token (serve --push-token-file); its read token cannot push.")
  Path tokenFile;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  UpstreamFlags.TrustChoice trust;

  @Mixin
  ClientIdentityFlags identity = new ClientIdentityFlags();

  @Option(names = "--lanes", description = "Parallel TLS connections (default: cores, at least 2).")
  Integer lanes;

  @Option(names = "--chunk-size", defaultValue = "4MiB", description = "Chunk size, e.g. 1MiB, 4MiB (default: ${DEFAULT-VALUE}).")
  String chunkSize;

  @Option(names = "--compression", defaultValue = "auto", paramLabel = "auto|none|zstd|planes",
      description = "auto: compress what shrinks, when the link is slower than compressing; none; zstd; planes"
          + " (default: ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--verify-hashes", description = "The node hashes every chunk it receives (SHA-256), as pull --verify-hashes.")
  boolean verifyHashes;

  @Option(names = "--progress-timeout", defaultValue = "60",
      description = "Seconds a push keeps trying to reach a node it lost (a restarting node), resuming what the node"
          + " verified (default: ${DEFAULT-VALUE}).")
  double progressSeconds;

  @Option(names = "--rate-limit", paramLabel = "RATE", description = "Cap on wire bandwidth over all lanes, e.g. 800mbit, 1gbit, 100MB.")
  String rateLimit;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where the sums of pushed files are kept per file version, so an unchanged file is not read twice"
          + " (a resume, the next push) (default: ~/.shardline/push).")
  Path stateDir;

  @Option(names = "--json", description = "Print exactly one JSON object with the summary on stdout.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (trust == null) {
      System.err.println("shardline push: needs one of --trust sha256:HEX (the fingerprint serve printed), --ca FILE or"
          + " --insecure");
      return 2;
    }
    if (!Files.exists(local)) {
      System.err.println("shardline push: " + local + " does not exist");
      return 2;
    }
    String badIdentity = identity.problem();
    if (badIdentity != null) {
      System.err.println("shardline push: " + badIdentity);
      return 2;
    }
    PushOptions o = new PushOptions()
        .local(local)
        .target(ShardlineUrl.parse(url))
        .token(OptionValues.token("--token-file", tokenFile))
        .trust(OptionValues.trust(trust.fingerprint, trust.ca, trust.insecure))
        .lanes(lanes == null ? PullOptions.DEFAULT_LANES : lanes)
        .chunkSize(OptionValues.chunkSize("--chunk-size", chunkSize))
        .compression(Compression.parse(compression))
        .verifyHashes(verifyHashes)
        .progressTimeoutMs(OptionValues.seconds("--progress-timeout", progressSeconds))
        .rateLimit(rateLimit == null ? 0 : OptionValues.rate("--rate-limit", rateLimit))
        .stateDir(stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".shardline", "push"));
    if (identity.clientCert != null) {
      o.clientCert(identity.clientCert).clientKey(identity.clientKey);
    }
    o.validate();
    Vertx vertx = Vertx.vertx();
    try {
      return execute(vertx, o, json, System.out, System.err);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Runs a push and prints its summary; returns the exit code (0 only when the node verified every file). */
  public static int execute(Vertx vertx, PushOptions o, boolean json, PrintStream out, PrintStream err) throws Exception {
    PushResult r;
    try {
      r = new PushSession(vertx, o).run().toCompletionStage().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      String code = c instanceof ShardlineException s ? s.code().name() + ": " : "";
      err.println("shardline push: FAILED (" + code + c.getMessage() + ")");
      err.println("shardline push: the node keeps the chunks it verified; running the same command again resumes them.");
      return 1;
    }
    if (json) {
      out.println(r.toJson());
    } else {
      out.println(summary(r));
    }
    if (!r.verified()) {
      err.println("shardline push: FAILED (" + String.join("; ", r.errors()) + ")");
      err.println("shardline push: the node keeps the chunks it verified; running the same command again resumes them.");
      return 1;
    }
    return 0;
  }

  static String summary(PushResult r) {
    long total = r.node().getLong("totalBytes", 0L);
    double mbps = r.seconds() <= 0 ? 0 : r.bytes() / r.seconds() / 1e6;
    return String.format(Locale.ROOT, "%s %d files, %s in %.2f s (%.0f MB/s): %s sent, %s reused on the node, %d resumed"
            + " chunks; %d attempt%s", r.verified() ? "pushed and verified" : "INCOMPLETE",
        r.node().getInteger("files", 0), Sizes.human(total), r.seconds(), mbps, Sizes.human(r.bytes()),
        Sizes.human(r.reusedBytes()), r.node().getLong("resumedChunks", 0L), r.attempts(), r.attempts() == 1 ? "" : "s");
  }
}
