package io.shardline.perf.e2e;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shardline: one {@code shardline serve} per data set (root = the set's directory, a fresh state
 * dir, self-signed certificate pinned by fingerprint) and {@code shardline pull} of the whole root
 * over TLS with each lane count and the profile's compression modes, and, on the profile's
 * rate-limited sets, the same again with {@code --rate-limit}. One unmeasured warm-up pull per set
 * fills the server's manifest cache and the page cache.
 */
final class ShardlineTool implements Tool {
  private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+) fingerprint (sha256:[0-9a-fA-F]+)");

  private final Env env;
  private final List<String> extraArgs;
  private final boolean warmUp;
  private Net net;
  private Managed server;
  private int port;
  private String fingerprint;

  /**
   * @param extraArgs appended to every pull (e.g. {@code --chunk-size 8MiB})
   * @param warmUp make one unmeasured pull per set first (fills the server's manifest cache)
   */
  ShardlineTool(Env env, List<String> extraArgs, boolean warmUp) {
    this.env = env;
    this.extraArgs = List.copyOf(extraArgs);
    this.warmUp = warmUp;
  }

  @Override
  public String id() {
    return "shardline";
  }

  @Override
  public String missing() {
    return null; // the launcher is checked by BenchMain before anything runs
  }

  @Override
  public String config() {
    return "`shardline serve --root SET --listen ADDR:0 --state-dir FRESH` (self-signed cert, TLS 1.3); client "
        + "`shardline pull shardline://ADDR:PORT/ DEST --lanes L --compression C [--rate-limit R] --trust sha256:FP --json"
        + (extraArgs.isEmpty() ? "" : " " + String.join(" ", extraArgs)) + "` through `bin/shardline` (its JVM options; JVM start-up is inside the timed command); one warm-up pull per set";
  }

  @Override
  public void start(Net n) {
    this.net = n;
  }

  @Override
  public void beginSet(DataSet set) throws Exception {
    Path state = env.work().resolve("state-" + set.id());
    DataSets.deleteTree(state);
    server = Managed.start("shardline-serve-" + net.id() + "-" + set.id(), net.server(concat(env.shardline(),
        List.of("serve", "--root", set.root().toString(), "--listen", net.serverAddr() + ":0",
            "--state-dir", state.toString()))), env.logs(), Env.CHILD_ENV);
    long deadline = System.nanoTime() + 90_000_000_000L;
    Matcher m = null;
    while (System.nanoTime() < deadline && server.process.isAlive()) {
      m = LISTENING.matcher(server.output());
      if (m.find()) {
        break;
      }
      m = null;
      Thread.sleep(100);
    }
    if (m == null) {
      String why = server.output() + server.errors();
      server.close();
      server = null;
      throw new IllegalStateException("shardline serve did not report 'listening on': " + tail(why));
    }
    port = Integer.parseInt(m.group(2));
    fingerprint = m.group(3);
    if (warmUp) {
      warmUp(set);
    }
  }

  private void warmUp(DataSet set) throws Exception {
    Path warm = env.dest().resolveSibling(env.dest().getFileName() + "-warmup");
    DataSets.deleteTree(warm);
    Files.createDirectories(warm);
    try (Managed w = Managed.start("shardline-warmup", pull(warm, 4, "auto", null), env.logs(), Env.CHILD_ENV)) {
      int rc = w.await(env.timeoutSeconds());
      env.log().info("shardline warm-up pull of " + set.id() + ": " + (rc == 0 ? "ok" : "FAILED rc=" + rc + " " + tail(w.errors())));
    }
    DataSets.deleteTree(warm);
  }

  @Override
  public void endSet() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Override
  public List<Case> cases(Profile profile, DataSet set) {
    List<Case> out = new ArrayList<>();
    List<String> rates = new ArrayList<>();
    rates.add(null);
    if (profile.rateLimited(set.id())) {
      rates.add(profile.rateLimit());
    }
    for (String rate : rates) {
      for (String c : profile.compressions()) {
        for (int l : profile.lanes()) {
          out.add(Case.shardline(l, c, rate));
        }
      }
    }
    return out;
  }

  List<String> pull(Path dest, int lanes, String compression, String rateLimit) {
    List<String> a = new ArrayList<>(List.of("pull", "shardline://" + net.serverAddr() + ":" + port + "/",
        dest.toString(), "--lanes", Integer.toString(lanes), "--compression", compression, "--trust", fingerprint, "--json"));
    if (rateLimit != null) {
      a.addAll(List.of("--rate-limit", rateLimit));
    }
    a.addAll(extraArgs);
    return net.client(concat(env.shardline(), a));
  }

  @Override
  public Invocation invocation(Case c, DataSet set, Path dest) {
    return new Invocation(pull(dest, c.lanes(), c.compression(), c.rateLimit()), true, (out, total, wall) -> {
      String line = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
          .orElseThrow(() -> new IllegalStateException("no JSON summary from pull: " + tail(out)));
      JsonObject j = new JsonObject(line);
      if (!j.getBoolean("verified", false)) {
        throw new IllegalStateException("pull not verified: " + line);
      }
      // time to the first chunk by the pull's own clock (v4 summaries; -1 if none came), then the codec mix
      return new Invocation.Parsed(j.getLong("totalBytes"), wall, j.getLong("wireBytes"), j.getDouble("seconds"),
          String.format(Locale.ROOT, "first byte %.3f s, codecs %s", j.getDouble("firstByteSeconds", -1.0),
              j.getJsonObject("codecs").encode()));
    });
  }

  @Override
  public List<Managed> servers() {
    return server == null ? List.of() : List.of(server);
  }

  @Override
  public void close() {
    endSet();
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static String tail(String s) {
    String t = s.strip();
    return t.length() > 400 ? "…" + t.substring(t.length() - 400) : t;
  }
}
