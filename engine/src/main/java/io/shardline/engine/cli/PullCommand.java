package io.shardline.engine.cli;

import io.shardline.engine.hdfs.HdfsClients;
import io.shardline.engine.hdfs.HdfsDestination;
import io.shardline.engine.hdfs.HdfsLocation;
import io.shardline.engine.s3.S3Clients;
import io.shardline.engine.s3.S3Destination;
import io.shardline.engine.s3.S3Location;
import io.shardline.engine.storage.Directories;
import io.shardline.engine.storage.LocalChunkSink;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.PullSession;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pull", mixinStandardHelpOptions = true,
    description = {"Pull a file or a directory tree from a Shardline server over parallel TLS lanes,",
        "or one file from any HTTPS server by parallel range requests (https://HOST/PATH)."})
public final class PullCommand implements Callable<Integer> {
  @Option(names = {"-i", "--input-file"}, paramLabel = "FILE",
      description = {"https:// only: pull every file listed in FILE into LOCAL_DIR (then give only LOCAL_DIR):"
          + " one entry per line, its URL and the URLs of its mirrors separated by TABs (as aria2c's -i), tried in"
          + " order; an indented line 'sha256=HEX' (or aria2c's 'checksum=sha-256=HEX') after an entry is its"
          + " digest; blank lines and lines starting with # are skipped."})
  Path inputFile;

  @Parameters(index = "0", paramLabel = "shardline://HOST:PORT/REMOTE_PATH | https://HOST/PATH",
      description = {"What to pull; '/' is the whole served root of a Shardline node.",
          "Several shardline:// sources of the same content are separated by commas, nearest (preferred) first."})
  String url;

  Path dest;
  /** The destination as given: a directory, or an s3:// location (shardline:// sources only). */
  String destArg;

  @Parameters(index = "1", arity = "0..1", paramLabel = "LOCAL_DIR | s3://BUCKET/PREFIX | hdfs://NAMENODE:PORT/PATH",
      description = "Where to put it (a directory's contents land directly in it); for shardline:// also the objects"
          + " under an S3 prefix (see --s3-endpoint), or the files under an HDFS path (resume journals in"
          + " $SHARDLINE_HDFS_JOURNALS, default ~/.shardline/hdfs-journals).")
  void dest(String v) {
    destArg = v;
    dest = Path.of(v);
  }

  @Mixin
  S3Flags s3 = new S3Flags();

  @Mixin
  UpstreamFlags up = new UpstreamFlags();

  @Option(names = "--cleanup",
      description = "s3:// and hdfs:// destinations: when the pull fails, abort the multipart uploads (remove the"
          + " partial files) of unfinished files instead of keeping them for a re-run.")
  boolean cleanup;

  @Option(names = "--mirror", paramLabel = "https://HOST/PATH",
      description = "https:// only: another URL of the same file (repeatable); ranges are spread over every URL that"
          + " serves the same size and ETag/Last-Modified (with --sha256: the same size), a failed range is asked of"
          + " the next, and a URL that cannot be probed is set aside.")
  List<String> mirrors = new ArrayList<>();

  @Option(names = "--sha256", paramLabel = "HEX", description = "https:// only: the file's SHA-256; it is published only if it matches.")
  String sha256;

  @Option(names = "--header", paramLabel = "'NAME: VALUE'",
      description = "https:// only: a request header sent with every request (repeatable), e.g. a token or cookie.")
  List<String> headers = new ArrayList<>();

  @Option(names = "--base", paramLabel = "DIR",
      description = "shardline:// only: a local tree with the previous version of what is pulled (the last checkpoint):"
          + " every chunk of a file that the file of the same name there holds at the same offset, with the manifest's"
          + " SHA-256, is copied from it instead of fetched. Older files already at the destination are used so without"
          + " this option.")
  Path base;

  @Option(names = "--rate-limit", paramLabel = "RATE", description = "Cap on wire bandwidth over all lanes, e.g. 800mbit, 1gbit, 100MB.")
  String rateLimit;

  @Option(names = "--json", description = "Print exactly one JSON object with the summary on stdout.")
  boolean json;

  @Option(names = "--stall-timeout", defaultValue = "15", description = "Seconds without data before a lane is reconnected (default: ${DEFAULT-VALUE}).")
  double stallSeconds;


  /**
   * The sources of a shardline:// pull, in order of preference: the first argument split at each
   * comma that starts another {@code shardline://} URL (a comma inside a path stays), then every
   * {@code --source}.
   */
  static List<ShardlineUrl> sourcesOf(String first, List<String> more) {
    List<ShardlineUrl> out = new ArrayList<>();
    List<String> all = new ArrayList<>(List.of(first.split(",(?=shardline://)", -1)));
    more.forEach(m -> all.addAll(List.of(m.split(",(?=shardline://)", -1))));
    for (String u : all) {
      out.add(ShardlineUrl.parse(u.trim()));
    }
    return out;
  }

  @Override
  public Integer call() throws Exception {
    if (inputFile != null) {
      if (destArg != null) {
        System.err.println("shardline pull: with -i FILE give only LOCAL_DIR (the URLs are in FILE)");
        return 2;
      }
      dest(url);
      return HttpsPullCommand.runList(this);
    }
    if (destArg == null) {
      System.err.println("shardline pull: LOCAL_DIR is missing");
      return 2;
    }
    boolean toS3 = S3Location.isS3(destArg);
    boolean toHdfs = HdfsLocation.isHdfs(destArg);
    if ((toS3 || toHdfs) && !url.regionMatches(true, 0, "shardline://", 0, 12)) {
      System.err.println("shardline pull: an " + (toS3 ? "s3://" : "hdfs://") + " destination takes a shardline:// source");
      return 2;
    }
    if (toHdfs && s3.given()) {
      System.err.println("shardline pull: --s3-endpoint and --s3-region are for an s3:// destination");
      return 2;
    }
    if (!up.extraSources.isEmpty() && !url.regionMatches(true, 0, "shardline://", 0, 12)) {
      System.err.println("shardline pull: --source adds shardline:// sources to a shardline:// pull");
      return 2;
    }
    if (url.regionMatches(true, 0, "https://", 0, 8)) {
      if (base != null) {
        System.err.println("shardline pull: --base is for shardline:// sources (an HTTPS server lists no chunk hashes)");
        return 2;
      }
      return HttpsPullCommand.run(this);
    }
    if (url.regionMatches(true, 0, "http://", 0, 7)) {
      System.err.println("shardline pull: plain http:// is not supported (nothing would protect the bytes in"
          + " transit); use https://HOST/PATH, or shardline://HOST:PORT/PATH for a Shardline node");
      return 2;
    }
    if (!toS3 && !toHdfs && (s3.given() || cleanup)) {
      System.err.println("shardline pull: --s3-endpoint, --s3-region and --cleanup are for an s3:// or hdfs:// destination");
      return 2;
    }
    if (up.trust == null) {
      System.err.println("shardline pull: shardline:// needs one of --trust sha256:HEX (the fingerprint serve"
          + " printed), --ca FILE or --insecure");
      return 2;
    }
    if (base != null && !java.nio.file.Files.isDirectory(base)) {
      System.err.println("shardline pull: --base " + base + " is not a directory");
      return 2;
    }
    if (sha256 != null || !headers.isEmpty() || !mirrors.isEmpty()) {
      System.err.println("shardline pull: --sha256, --header and --mirror are for https:// sources; a shardline:// pull"
          + " verifies every chunk and the file's root digest itself");
      return 2;
    }
    PullOptions o = up.pullOptions(url, dest, base, stallSeconds, rateLimit);
    if (toS3) {
      try {
        S3Location to = S3Location.parse(destArg);
        S3Clients.Config config = s3.config();
        o.sinks(new S3Destination(() -> S3Clients.build(config), to, config.where(), cleanup));
      } catch (RuntimeException e) {
        System.err.println("shardline pull: cannot pull into " + destArg + ": " + e.getMessage());
        return 1;
      }
    } else if (toHdfs) {
      try {
        HdfsLocation to = HdfsLocation.parse(destArg);
        String dir = System.getenv("SHARDLINE_HDFS_JOURNALS");
        Path journals = dir != null && !dir.isBlank() ? Path.of(dir)
            : Path.of(System.getProperty("user.home"), ".shardline", "hdfs-journals");
        o.sinks(new HdfsDestination(to, HdfsClients.configuration(), journals, cleanup));
      } catch (RuntimeException e) {
        System.err.println("shardline pull: cannot pull into " + destArg + ": " + e.getMessage());
        return 1;
      }
    } else if (java.nio.file.Files.exists(dest) && !java.nio.file.Files.isDirectory(dest)) {
      System.err.println("shardline pull: LOCAL_DIR " + dest + " exists and is not a directory; a pull writes"
          + " into a directory. Nothing was written.");
      return 2;
    }
    if ((up.clientCert == null) != (up.clientKey == null)) {
      System.err.println("shardline pull: --client-cert and --client-key go together");
      return 2;
    }
    if (up.clientCert != null) {
      try {
        TlsSupport.checkClientIdentity(up.clientCert, up.clientKey);
      } catch (java.io.IOException e) {
        System.err.println("shardline pull: " + e.getMessage());
        return 2;
      }
    }
    o.validate();
    Vertx vertx = Vertx.vertx();
    try {
      return execute(vertx, o, json, System.out, System.err);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Runs a pull with a progress bar (on a terminal) and prints the summary; returns the exit code. */
  public static int execute(Vertx vertx, PullOptions o, boolean json, PrintStream out, PrintStream err) throws Exception {
    PullSession session = new PullSession(vertx, o);
    boolean tty = System.console() != null && !json;
    ProgressBar bar = tty ? new ProgressBar(err, session.counters()) : null;
    CompletableFuture<PullResult> f = session.run().toCompletionStage().toCompletableFuture();
    while (!f.isDone()) {
      try {
        f.get(250, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        if (bar != null) {
          bar.draw();
        }
      }
    }
    if (bar != null) {
      bar.clear();
    }
    PullResult r = f.get();
    if (json) {
      out.println(r.toJson());
    } else {
      out.println(summary(r));
    }
    if (!r.ok()) {
      err.println("shardline pull: FAILED (" + String.join("; ", r.errors()) + ")");
      err.println("shardline pull: " + (o.sinks() instanceof S3Destination s3 ? s3.afterFailure()
          : o.sinks() instanceof HdfsDestination h ? h.afterFailure() : afterFailure(o.destination())));
      return 1;
    }
    return 0;
  }

  /** What a failed pull left for a re-run, as it is on disk now (not what it might have been). */
  static String afterFailure(Path dest) {
    Path state = dest.resolve(LocalChunkSink.STATE_DIR);
    long kept = Directories.keptPartialBytes(dest);
    if (kept < 0) {
      return "no partial files were kept, so a re-run resumes nothing: it starts from the beginning"
          + " (files already published in " + dest + " are checked and kept).";
    }
    return "verified chunks are kept in " + state + " (partial files of " + Sizes.human(kept)
        + "); running the same command again resumes them. To free that space instead, delete " + state + ".";
  }

  static String summary(PullResult r) {
    double mbps = r.megabytesPerSecond();
    return String.format(Locale.ROOT,
        "%s %d files, %s in %.2f s: %.0f MB/s (%.2f Gbit/s) over %d lanes; %d chunks, %d retried, %d resumed;"
            + " wire ratio %.2fx (identity %d, zstd %d, planes %d)",
        r.ok() ? "verified" : "INCOMPLETE", r.files(), Sizes.human(r.totalBytes()), r.seconds(), mbps, mbps * 8 / 1000,
        r.lanes(), r.chunks(), r.retriedChunks(), r.resumedChunks(), r.ratio(), r.codecChunks()[0], r.codecChunks()[1],
        r.codecChunks()[2]);
  }
}
