package io.shardline.gateway.cli;

import io.shardline.engine.cli.Sizes;
import io.shardline.engine.rate.Rates;
import io.shardline.engine.sample.SampleShards;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.gateway.GatewayServer;
import io.shardline.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardline demo}: everything in one process, as an operator would see it. Generates
 * sample BF16 shards, serves them from a source node, starts a gateway with a generated config
 * and token, submits a pull job through the gateway's HTTP API, follows it to a verified copy and
 * prints the web page's address (with {@code --keep-running}, stays up to be looked at).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Generate sample BF16 safetensors shards, serve them, start a gateway, and pull them through a gateway "
        + "job over 4 TLS lanes; prints the gateway's web page address and token.")
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", description = "Work directory; sample shards are kept there between runs (default: <tmp>/shardline-demo).")
  Path dir = Path.of(System.getProperty("java.io.tmpdir"), "shardline-demo");

  @Option(names = "--shards", defaultValue = "4", description = "Number of shards (default: ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--shard-size", defaultValue = "64MiB", description = "Size of each shard (default: ${DEFAULT-VALUE}).")
  String shardSize;

  @Option(names = "--lanes", defaultValue = "4", description = "Lanes (default: ${DEFAULT-VALUE}).")
  int lanes;

  @Option(names = "--listen", defaultValue = "127.0.0.1:0",
      description = "The gateway's address (default: ${DEFAULT-VALUE}, any free port).")
  String listen;

  @Option(names = "--rate-limit", paramLabel = "RATE",
      description = "Rate limit of the demo job, e.g. 400mbit (default: none; 400mbit with --keep-running, so the bar can be watched).")
  String rateLimit;

  @Option(names = "--compression", paramLabel = "auto|none|zstd|planes",
      description = "Compression of the demo job (default: none, or auto with a rate limit: both ends share this machine's "
          + "cores over loopback, where compressing only costs CPU; a rate-limited link is where it pays).")
  String compression;

  @Option(names = "--keep-running", description = "Keep the node and gateway running after the job, until Ctrl-C, to use the web page.")
  boolean keepRunning;

  @Option(names = "--json", description = "Print the finished job as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    long shardBytes = Sizes.parse(shardSize);
    long rate = rateLimit != null ? Rates.parse(rateLimit) : keepRunning ? Rates.parse("400mbit") : 0;
    String codec = compression != null ? compression : rate > 0 ? "auto" : "none";
    if (!List.of("auto", "none", "zstd", "planes").contains(codec)) {
      System.err.println("shardline demo: --compression is auto, none, zstd or planes, not '" + codec + "'");
      return 2;
    }
    // One folder per sample shape: shards are kept between runs, never reused at another size.
    Path source = dir.resolve("source-" + shards + "x" + shardBytes);
    Path dest = dir.resolve("pulled");
    System.err.println("shardline demo: preparing " + shards + " BF16 safetensors shards in " + source + " ...");
    long bytes = SampleShards.generate(source, shards, shardBytes, 42);
    deleteTree(dest);
    deleteTree(dir.resolve("gateway"));
    Vertx vertx = Vertx.vertx();
    GatewayServer gateway = null;
    Path configFile = null;
    try {
      ShardlineServer node = new ShardlineServer(vertx, new ServeOptions().root(source).host("127.0.0.1").port(0)
          .stateDir(dir.resolve("server-state")));
      ShardlineServer.Info info = await(node.start().toCompletionStage().toCompletableFuture(), 60);
      System.err.println("shardline demo: source node serving " + Sizes.human(bytes) + ", " + info.banner());
      String operator = "op-" + random();
      String viewer = "view-" + random();
      JsonObject config = new JsonObject()
          .put("listen", listen)
          .put("dataDir", dir.resolve("gateway").toString())
          .put("remotes", new JsonObject().put("demo", new JsonObject()
              .put("url", "shardline://127.0.0.1:" + info.port()).put("trust", info.fingerprint().toString())))
          .put("destinations", new JsonObject().put("local", dest.toString()))
          .put("tokens", new JsonArray()
              .add(new JsonObject().put("token", operator).put("role", "operator").put("name", "demo-operator"))
              .add(new JsonObject().put("token", viewer).put("role", "viewer").put("name", "demo-viewer")));
      Files.createDirectories(dir);
      configFile = writePrivateConfig(config);
      gateway = new GatewayServer(vertx, GatewayConfig.parse(config, dir));
      GatewayServer.Info g = await(gateway.start().toCompletionStage().toCompletableFuture(), 60);
      System.err.println("shardline demo: gateway on " + g.url() + " (config " + configFile + ", removed on exit)");
      System.err.println("shardline demo: web page " + g.url() + "  operator token: " + operator + "  viewer token: " + viewer);

      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      JsonObject body = new JsonObject().put("source", "demo:").put("destination", "local:")
          .put("lanes", lanes).put("label", "demo").put("rateLimit", rate).put("compression", codec);
      JsonObject job = send(http, HttpRequest.newBuilder(URI.create(g.url() + "api/v1/jobs"))
          .header("Authorization", "Bearer " + operator).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())), 201);
      String id = job.getString("id");
      System.err.println("shardline demo: submitted job " + id + ": demo: -> local: over " + lanes + " TLS lanes"
          + (rate > 0 ? " at " + rateLimitText(rate) : "") + ", compression " + codec + " (fingerprint pinned)"
          + (compression == null && rate == 0 ? "; both ends share this machine's cores over loopback, where"
              + " compressing only costs CPU (--rate-limit 1gbit shows auto compressing)" : ""));
      job = follow(http, g.url() + "api/v1/jobs/" + id, viewer);
      boolean ok = "succeeded".equals(job.getString("state"));
      if (json) {
        System.out.println(job.encode());
      } else {
        System.out.println(summary(http, g.url() + "api/v1/jobs/" + id + "/log", viewer, job));
      }
      if (!ok) {
        System.err.println("shardline demo: job " + job.getString("state") + ": " + job.getString("error"));
      }
      if (keepRunning) {
        System.err.println("shardline demo: still running: open " + g.url() + " and paste the operator token; Ctrl-C stops");
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
        forever.await();
      }
      return ok ? 0 : 1;
    } finally {
      if (gateway != null) {
        gateway.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (configFile != null) {
        deleteTree(configFile.getParent());
      }
    }
  }

  /**
   * Writes the demo's config (it holds the operator token) where no one else can read or plant
   * anything: a fresh folder of its own (0700, a random name under the temp folder) and a new file
   * in it (0600, created exclusively, so nothing there is followed or overwritten).
   */
  static Path writePrivateConfig(JsonObject config) throws IOException {
    Path folder;
    Path file;
    byte[] text = config.encodePrettily().getBytes(StandardCharsets.UTF_8);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      folder = Files.createTempDirectory("shardline-demo-", PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
      file = folder.resolve("gateway.json");
      try (var ch = Files.newByteChannel(file, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")))) {
        ByteBuffer b = ByteBuffer.wrap(text);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
    } else {
      folder = Files.createTempDirectory("shardline-demo-"); // private to the user by default on such systems
      file = Files.write(folder.resolve("gateway.json"), text, StandardOpenOption.CREATE_NEW);
    }
    return file;
  }

  /** Polls the job until it ends, drawing a status line on a terminal. */
  private static JsonObject follow(HttpClient http, String url, String token) throws Exception {
    boolean tty = System.console() != null;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (true) {
      JsonObject j = send(http, HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).GET(), 200);
      String state = j.getString("state");
      if (tty) {
        System.err.printf(Locale.ROOT, "\r  %-9s %5.1f%%  %s / %s  %.2f Gbit/s   ", state, j.getDouble("percent"),
            Sizes.human(j.getLong("bytesDone")), Sizes.human(j.getLong("bytesTotal")), j.getLong("rate") / 1e9);
      }
      if (state.equals("succeeded") || state.equals("failed") || state.equals("cancelled")) {
        if (tty) {
          System.err.println();
        }
        return j;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the demo job did not finish in 30 minutes");
      }
      Thread.sleep(250);
    }
  }

  private static String summary(HttpClient http, String logUrl, String token, JsonObject job) throws Exception {
    JsonArray events = send(http, HttpRequest.newBuilder(URI.create(logUrl)).header("Authorization", "Bearer " + token).GET(), 200)
        .getJsonArray("events");
    JsonObject last = events.getJsonObject(events.size() - 1).getJsonObject("data");
    if (!"succeeded".equals(job.getString("state"))) {
      return "job " + job.getString("id") + " " + job.getString("state");
    }
    double seconds = last.getDouble("seconds", 0.0);
    long moved = last.getLong("bytes", 0L);
    long wire = last.getLong("wireBytes", 0L);
    return String.format(Locale.ROOT, "verified %d files, %s in %.2f s: %.0f MB/s (%.2f Gbit/s) over %d lanes; "
            + "%d chunks, %d retried, %d resumed; wire ratio %.2fx; job %s",
        last.getInteger("files", 0), Sizes.human(last.getLong("totalBytes", 0L)), seconds,
        seconds > 0 ? moved / seconds / 1e6 : 0, seconds > 0 ? moved * 8 / seconds / 1e9 : 0, job.getInteger("lanes"),
        last.getLong("chunks", 0L), last.getLong("retriedChunks", 0L), last.getLong("resumedChunks", 0L),
        wire > 0 ? (double) moved / wire : 1.0, job.getString("id"));
  }

  private static JsonObject send(HttpClient http, HttpRequest.Builder req, int expected) throws Exception {
    HttpResponse<String> r = http.send(req.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IllegalStateException("gateway answered " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }

  private static String rateLimitText(long bytesPerSecond) {
    return String.format(Locale.ROOT, "%.0f Mbit/s", bytesPerSecond * 8 / 1e6);
  }

  private static String random() {
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f, int seconds) throws Exception {
    try {
      return f.get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(x);
      }
    }
  }
}
