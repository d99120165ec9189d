package io.shardline.perf.e2e;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Shardline's HTTPS client against aria2c, both from the nginx of {@link NginxTool}: {@code
 * shardline pull https://ADDR:PORT/SET/FILE DIR --lanes 4 --ca CERT --json} (4 range connections,
 * as aria2c's {@code -x4 -s4}), through {@code bin/shardline}, for each file of the set one after
 * the other in one timed command. The CLI takes one URL, so each file costs a JVM start, which the
 * wall clock includes; the summed {@code seconds} of the pulls' JSON is the engine's clock. Sets of
 * more than {@value #MAX_FILES} files are not run. {@link #beginSet} pulls the set's first file
 * once, unmeasured: a CLI that cannot pull over HTTPS (yet) skips the set with its error, as a
 * skipped row, instead of failing every run.
 */
final class HttpsPullTool implements Tool {
  static final int LANES = 4;
  /** Sets with more files than this are skipped: one JVM per file would measure start-up only. */
  static final int MAX_FILES = 16;

  private final Env env;
  private final NginxTool nginx;
  private Net net;

  HttpsPullTool(Env env, NginxTool nginx) {
    this.env = env;
    this.nginx = nginx;
  }

  @Override
  public String id() {
    return "pull-https";
  }

  @Override
  public String missing() {
    return Tool.missingOf("nginx");
  }

  @Override
  public String config() {
    return "`shardline pull https://ADDR:PORT/SET/FILE DIR --lanes " + LANES + " --ca CERT --json` from the nginx above, "
        + "through `bin/shardline`, one pull (one JVM) per file in one timed command; engine seconds: the pulls' "
        + "`seconds` summed; sets of more than " + MAX_FILES + " files skipped; one unmeasured pull of each set's first file";
  }

  @Override
  public void start(Net n) {
    this.net = n;
  }

  @Override
  public void beginSet(DataSet set) throws Exception {
    if (set.files().size() > MAX_FILES) {
      throw new IllegalStateException("not run on sets of more than " + MAX_FILES + " files (one JVM per file)");
    }
    String first = set.files().get(0);
    DataSet one = new DataSet(set.id(), set.description(), set.root(), List.of(first), Files.size(set.root().resolve(first)));
    Path warm = env.dest().resolveSibling(env.dest().getFileName() + "-warmup");
    DataSets.deleteTree(warm);
    Files.createDirectories(warm);
    try (Managed w = Managed.start("pull-https-warmup", argv(one, warm), env.logs(), Env.CHILD_ENV)) {
      int rc = w.await(env.timeoutSeconds());
      if (rc != 0) {
        throw new IllegalStateException("shardline pull https:// of " + first + " failed (" + (rc == -1 ? "timed out"
            : "exit " + rc) + "): " + ShardlineTool.tail(w.errors() + w.output()));
      }
      parse(w.output(), one.files().size(), one.bytes(), 0);
      if (Files.mismatch(set.root().resolve(first), warm.resolve(first)) != -1) {
        throw new IllegalStateException("shardline pull https:// of " + first + " wrote other bytes");
      }
      env.log().info("pull-https warm-up pull of " + set.id() + "/" + first + ": ok");
    } finally {
      DataSets.deleteTree(warm);
    }
  }

  @Override
  public List<Case> cases(Profile profile, DataSet set) {
    return List.of(new Case(id(), "shardline-https-l" + LANES, "nginx HTTPS → shardline pull https:// --lanes " + LANES,
        LANES, "-"));
  }

  @Override
  public Invocation invocation(Case c, DataSet set, Path dest) {
    int files = set.files().size();
    return new Invocation(argv(set, dest), true, (out, total, wall) -> parse(out, files, total, wall));
  }

  /** One shell command: a pull per file, in order, into the file's directory under dest; stops at the first failure. */
  private List<String> argv(DataSet set, Path dest) {
    String base = nginx.url(set);
    StringBuilder script = new StringBuilder("set -e\n");
    for (String r : set.files()) {
      Path dir = dest.resolve(r).getParent();
      if (!dir.equals(dest)) {
        script.append("mkdir -p ").append(quote(dir.toString())).append('\n');
      }
      List<String> a = new ArrayList<>(env.shardline());
      a.addAll(List.of("pull", base + r, dir.toString(), "--lanes", Integer.toString(LANES), "--ca", env.cert().toString(),
          "--json"));
      script.append(String.join(" ", a.stream().map(HttpsPullTool::quote).toList())).append('\n');
    }
    return net.client(List.of("bash", "-c", script.toString()));
  }

  /**
   * The pulls' JSON summaries, one line each: there must be one per file, each with {@code bytes},
   * {@code seconds} and {@code verifiedBy} ({@code etag} or {@code sha256}), and their bytes must
   * add up to the set's. Seconds are the wall time, inner seconds the pulls' own seconds summed.
   */
  static Invocation.Parsed parse(String out, int files, long total, double wall) {
    List<JsonObject> js = out.lines().map(String::strip).filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
    if (js.size() != files) {
      throw new IllegalStateException(js.size() + " JSON summaries for " + files + " file(s): " + ShardlineTool.tail(out));
    }
    long bytes = 0;
    double seconds = 0;
    Map<String, Integer> by = new TreeMap<>();
    for (JsonObject j : js) {
      Long b = j.getLong("bytes");
      Double s = j.getDouble("seconds");
      String v = j.getString("verifiedBy");
      if (b == null || s == null || !("etag".equals(v) || "sha256".equals(v))) {
        throw new IllegalStateException("a summary without bytes, seconds or verifiedBy etag|sha256: " + j.encode());
      }
      bytes += b;
      seconds += s;
      by.merge(v, 1, Integer::sum);
    }
    if (bytes != total) {
      throw new IllegalStateException("the pulls report " + bytes + " bytes, not " + total);
    }
    return new Invocation.Parsed(bytes, wall, bytes, seconds, "verifiedBy " + by + ", " + files + " JVM(s)");
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  @Override
  public List<Managed> servers() {
    return nginx.servers();
  }

  @Override
  public void close() {}
}
