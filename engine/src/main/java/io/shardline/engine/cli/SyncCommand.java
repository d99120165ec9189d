package io.shardline.engine.cli;

import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.sync.PullSync;
import io.shardline.engine.sync.SyncLog;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.push.PushOptions;
import io.shardline.engine.push.PushResult;
import io.shardline.engine.push.PushSession;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.json.JsonObject;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.transfer.Compression;
import io.shardline.engine.transfer.PullOptions;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardline sync SRC DST}: mirrors a tree between a node and a local folder. The direction
 * node → local is a pull of the tree ({@link PullSync}); local → node is a push of the tree with
 * the sync flags ({@link PushSession}): the node compares its folder, pulls, deletes, and sends
 * its sync log back.
 */
@Command(name = "sync", mixinStandardHelpOptions = true,
    description = {"Mirror a tree: shardline://HOST:PORT/PATH into a local folder (a pull of the tree: delta reuse,",
        "resume, verification and atomic publish as any pull), with --delete removing what the source does not",
        "have, and --dry-run showing what would move. A local folder to a node is a push of the tree (the node",
        "needs serve --accept-push; --token-file is then its push token), compared and deleted on the node.",
        "Exit code: 0 in sync, 1 failed (nothing deleted when the pull failed), 2 usage error."})
public final class SyncCommand implements Callable<Integer> {
  /** Which way a sync goes, from which side is a node. */
  enum Direction {
    /** Node → local folder: a pull of the tree. */
    PULL,
    /** Local folder → node: a push. */
    PUSH;

    /** The direction of {@code src} → {@code dst}; IllegalArgumentException unless exactly one side is a node. */
    static Direction of(String src, String dst) {
      boolean fromNode = isNode(src);
      boolean toNode = isNode(dst);
      for (String s : new String[] {src, dst}) {
        if (!isNode(s) && s.contains("://")) {
          throw new IllegalArgumentException(s + " is neither shardline://HOST:PORT/PATH nor a local folder"
              + " (sync mirrors between a Shardline node and a local folder)");
        }
      }
      if (fromNode && toNode) {
        throw new IllegalArgumentException("both sides are nodes; one of SRC and DST must be a local folder");
      }
      if (!fromNode && !toNode) {
        throw new IllegalArgumentException("both sides are local; one of SRC and DST must be"
            + " shardline://HOST:PORT/PATH");
      }
      return fromNode ? PULL : PUSH;
    }

    private static boolean isNode(String s) {
      return s.regionMatches(true, 0, "shardline://", 0, 12);
    }
  }

  @Parameters(index = "0", paramLabel = "SRC", description = "shardline://HOST:PORT/PATH (a folder; '/' is the whole"
      + " served root), or a local folder.")
  String src;

  @Parameters(index = "1", paramLabel = "DST", description = "A local folder (created if missing), or"
      + " shardline://HOST:PORT/PATH.")
  String dst;

  @Mixin
  UpstreamFlags up = new UpstreamFlags();

  @Option(names = "--delete",
      description = "After a pull that verified every file, delete the destination's files the source does not list,"
          + " and the folders left empty that it does not have; never .shardline/ state, never through a symlink,"
          + " never outside DST (symlinks and special files are reported and kept). Nothing is deleted when the"
          + " pull failed.")
  boolean delete;

  @Option(names = "--dry-run",
      description = "List the source, compare it with DST and print what would move, what local bytes would be"
          + " reused, and (with --delete) what would be deleted; writes nothing, not even .shardline/ state.")
  boolean dryRun;

  @Option(names = "--base", paramLabel = "DIR",
      description = "Another local tree with an older version of the files (as pull --base): chunks it holds at the"
          + " same offsets are copied, not fetched.")
  Path base;

  @Option(names = "--rate-limit", paramLabel = "RATE", description = "Cap on wire bandwidth over all lanes, e.g. 800mbit, 1gbit, 100MB.")
  String rateLimit;

  @Option(names = "--stall-timeout", defaultValue = "15", description = "Seconds without data before a lane is reconnected (default: ${DEFAULT-VALUE}).")
  double stallSeconds;

  @Option(names = "--json", description = "Print exactly one JSON object, the sync log, on stdout.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Direction direction;
    try {
      direction = Direction.of(src, dst);
    } catch (IllegalArgumentException e) {
      System.err.println("shardline sync: " + e.getMessage());
      return 2;
    }
    switch (direction) {
      case PUSH -> {
        return push();
      }
      case PULL -> {
        return pull();
      }
      default -> throw new IllegalStateException(direction.toString());
    }
  }

  /** Node → local folder. */
  private int pull() throws Exception {
    Path dest = Path.of(dst);
    if (Files.exists(dest) && !Files.isDirectory(dest)) {
      System.err.println("shardline sync: DST " + dest + " exists and is not a folder; a sync mirrors a tree into a"
          + " folder. Nothing was written.");
      return 2;
    }
    if (up.trust == null) {
      System.err.println("shardline sync: shardline:// needs one of --trust sha256:HEX (the fingerprint serve"
          + " printed), --ca FILE or --insecure");
      return 2;
    }
    if (base != null && !Files.isDirectory(base)) {
      System.err.println("shardline sync: --base " + base + " is not a directory");
      return 2;
    }
    if ((up.clientCert == null) != (up.clientKey == null)) {
      System.err.println("shardline sync: --client-cert and --client-key go together");
      return 2;
    }
    if (up.clientCert != null) {
      try {
        TlsSupport.checkClientIdentity(up.clientCert, up.clientKey);
      } catch (IOException e) {
        System.err.println("shardline sync: " + e.getMessage());
        return 2;
      }
    }
    PullOptions o = up.pullOptions(src, dest, base, stallSeconds, rateLimit);
    o.validate();
    Vertx vertx = Vertx.vertx();
    try {
      return execute(vertx, o, delete, dryRun, json, System.out, System.err);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Local folder → node: a push with the sync flags; the node's log comes back in PUSH_DONE. */
  private int push() throws Exception {
    Path local = Path.of(src);
    if (!Files.isDirectory(local)) {
      System.err.println("shardline sync: SRC " + local + " is not a folder; a sync mirrors a tree (push one file with"
          + " shardline push)");
      return 2;
    }
    if (up.trust == null) {
      System.err.println("shardline sync: shardline:// needs one of --trust sha256:HEX (the fingerprint serve"
          + " printed), --ca FILE or --insecure");
      return 2;
    }
    if (up.tokenFile == null) {
      System.err.println("shardline sync: a sync to a node is a push: --token-file must hold its push token"
          + " (serve --push-token-file)");
      return 2;
    }
    if (base != null || !up.extraSources.isEmpty() || up.failover) {
      System.err.println("shardline sync: --base, --source and --failover are for a sync from a node");
      return 2;
    }
    if ((up.clientCert == null) != (up.clientKey == null)) {
      System.err.println("shardline sync: --client-cert and --client-key go together");
      return 2;
    }
    PushOptions o = new PushOptions()
        .local(local)
        .target(ShardlineUrl.parse(dst))
        .token(OptionValues.token("--token-file", up.tokenFile))
        .trust(OptionValues.trust(up.trust.fingerprint, up.trust.ca, up.trust.insecure))
        .lanes(up.lanes == null ? PullOptions.DEFAULT_LANES : up.lanes)
        .chunkSize(OptionValues.chunkSize("--chunk-size", up.chunkSize))
        .compression(Compression.parse(up.compression))
        .verifyHashes(up.verifyHashes)
        .progressTimeoutMs(OptionValues.seconds("--progress-timeout", up.progressSeconds))
        .rateLimit(rateLimit == null ? 0 : OptionValues.rate("--rate-limit", rateLimit))
        .sync(true).delete(delete).dryRun(dryRun)
        .stateDir(Path.of(System.getProperty("user.home"), ".shardline", "push"));
    if (up.clientCert != null) {
      TlsSupport.checkClientIdentity(up.clientCert, up.clientKey);
      o.clientCert(up.clientCert).clientKey(up.clientKey);
    }
    o.validate();
    Vertx vertx = Vertx.vertx();
    try {
      return executePush(vertx, o, json, System.out, System.err);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Runs a local → node sync, prints the node's log (with this side's names) and returns the exit code. */
  static int executePush(Vertx vertx, PushOptions o, boolean json, PrintStream out, PrintStream err) throws Exception {
    PushResult r;
    try {
      r = new PushSession(vertx, o).run().toCompletionStage().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      err.println("shardline sync: FAILED (" + (c instanceof ShardlineException s ? s.code().name() + ": " : "")
          + c.getMessage() + "); nothing was deleted");
      return 1;
    }
    JsonObject log = r.node().getJsonObject("sync", new JsonObject())
        .put("source", o.local().toString()).put("destination", o.target().toString())
        .put("attempts", r.attempts()).put("pushSeconds", Math.round(r.seconds() * 1000) / 1000.0);
    out.println(json ? log.encode() : SyncLog.text(log, b -> Sizes.human(b)));
    if (!r.verified()) {
      err.println("shardline sync: FAILED (" + String.join("; ", r.errors()) + ")");
      return 1;
    }
    return 0;
  }

  /** Runs a node → local sync, prints its log and returns the exit code. */
  static int execute(Vertx vertx, PullOptions o, boolean delete, boolean dryRun, boolean json, PrintStream out,
      PrintStream err) throws Exception {
    Bar bar = new Bar(err, System.console() != null && !json);
    SyncLog log;
    try {
      log = new PullSync(vertx, o, delete, dryRun, bar).run();
    } catch (IllegalArgumentException e) {
      err.println("shardline sync: " + e.getMessage() + ". Nothing was written.");
      return 2;
    } catch (IOException e) {
      err.println("shardline sync: cannot read " + o.destination() + ": " + e.getMessage() + ". Nothing was written.");
      return 1;
    }
    out.println(json ? log.toJson().encode() : log.text(b -> Sizes.human(b)));
    if (!log.ok()) {
      err.println("shardline sync: FAILED (" + String.join("; ", log.allErrors()) + ")");
      if (log.pull() != null && !log.pull().ok()) {
        err.println("shardline sync: " + (delete ? "nothing was deleted. " : "") + PullCommand.afterFailure(o.destination()));
      }
      return 1;
    }
    return 0;
  }

  /** The pull's progress bar, on a terminal only. */
  private static final class Bar implements PullSync.Progress {
    private final PrintStream err;
    private final boolean tty;
    private ProgressBar bar;

    Bar(PrintStream err, boolean tty) {
      this.err = err;
      this.tty = tty;
    }

    @Override
    public void started(TransferCounters counters) {
      bar = tty ? new ProgressBar(err, counters) : null;
    }

    @Override
    public void tick() {
      if (bar != null) {
        bar.draw();
      }
    }

    @Override
    public void finished() {
      if (bar != null) {
        bar.clear();
      }
    }
  }
}
