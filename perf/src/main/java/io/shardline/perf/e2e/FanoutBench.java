package io.shardline.perf.e2e;

import io.shardline.engine.fanout.BroadcastPlan;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * {@code bench --profile fanout}: one file from an origin to N hosts, as a star (every host pulls
 * from the origin), a chain and a binary tree of relays ({@link BroadcastPlan}, each hop given its
 * upstreams with {@code --failover}), on N + 1 network namespaces joined by a bridge, every
 * host's link shaped both ways with {@code tc tbf}. Reports, per shape and N, the wall-clock
 * completion time (JVM starts included, until the last host printed its verified summary) ÷ the
 * time of one pull from the origin measured in the same run, ÷ S/B, and the origin's sent bytes ÷
 * S read from its link's counter ({@code tx_bytes}), not from the engine; plus a chain whose
 * middle relay is SIGKILLed half-way through the undisturbed chain's time. Destinations are on
 * tmpfs (the disk here writes back only ~0.42 GB/s, less than N hosts at 1 Gbit/s), so what
 * bounds a figure is the link or the CPU.
 */
final class FanoutBench {
  private static final String PREFIX = "slfan";
  private static final String SWITCH = PREFIX + "-sw";
  private static final String BRIDGE = "br0";
  private static final Pattern BANNER = Pattern.compile("listening on [0-9.]+:(\\d+) fingerprint (sha256:[0-9a-f]+)");
  private static final int PORT = 7700;

  private final Env env;
  private final Log log;
  private final Path out;
  private final String rate;
  private final double bytesPerSecond;
  private final long size;
  private final List<Integer> hostCounts;
  private final int runs;
  private final Path shm;
  private String fingerprint;

  FanoutBench(Env env, Path out, String rate, long size, List<Integer> hostCounts, int runs) {
    this.env = env;
    this.log = env.log();
    this.out = out;
    this.rate = rate;
    this.bytesPerSecond = rateBytes(rate);
    this.size = size;
    this.hostCounts = hostCounts;
    this.runs = runs;
    this.shm = Path.of("/dev/shm", PREFIX);
  }

  static double rateBytes(String rate) {
    Matcher m = Pattern.compile("(\\d+)(mbit|gbit)").matcher(rate);
    if (!m.matches()) {
      throw new IllegalArgumentException("rate must look like 1gbit or 800mbit: " + rate);
    }
    return Long.parseLong(m.group(1)) * (m.group(2).equals("gbit") ? 1e9 : 1e6) / 8;
  }

  private static String ns(int host) {
    return PREFIX + "-h" + host;
  }

  private static String addr(int host) {
    return "10.204.0." + (host + 1);
  }

  /** Runs every case; returns 0, or 3 when the namespaces cannot be made here. */
  int run() throws Exception {
    int max = hostCounts.stream().mapToInt(Integer::intValue).max().orElse(2);
    Files.createDirectories(out);
    String bad = topology(max);
    if (bad != null) {
      log.info("fanout: cannot build the emulated network here: " + bad);
      teardown(max);
      return 3;
    }
    JsonArray results = new JsonArray();
    try {
      Path origin = shm.resolve("origin");
      Files.createDirectories(origin);
      Path file = origin.resolve("ckpt.bin");
      if (!Files.exists(file) || Files.size(file) != size) {
        randomFile(file, size);
      }
      Process serve = start(0, "origin", List.of("serve", "--root", origin.toString(), "--listen", addr(0) + ":" + PORT,
          "--cert", env.cert().toString(), "--key", env.key().toString(), "--state-dir", shm.resolve("state-0").toString()));
      try {
        String[] b = banner(serve, logOf("origin"));
        fingerprint = b[1];
        List<Double> single = new ArrayList<>();
        long pullRss = 0;
        for (int r = 0; r < runs; r++) {
          Outcome alone = once("pull", 1, -1, 0); // a plain pull, alone on the link
          single.add(alone.seconds());
          pullRss = Math.max(pullRss, alone.peakRssBytes());
        }
        double one = median(single);
        log.info(String.format(Locale.ROOT, "fanout: one pull from the origin: %.2f s median (S/B = %.2f s)",
            one, size / bytesPerSecond));
        for (int n : hostCounts) {
          double chainSeconds = Double.NaN;
          for (String shape : List.of("star", "chain", "tree")) {
            List<Outcome> outs = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
              outs.add(once(shape, n, -1, 0));
            }
            results.add(row(shape, n, outs, one, false));
            if (shape.equals("chain")) {
              chainSeconds = median(outs.stream().map(Outcome::seconds).toList());
            }
          }
          if (n >= 4) {
            List<Outcome> outs = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
              outs.add(once("chain", n, n / 2, chainSeconds / 2)); // half-way through the undisturbed chain
            }
            results.add(row("chain", n, outs, one, true));
          }
        }
        JsonObject report = new JsonObject().put("rate", rate).put("bytes", size).put("runs", runs)
            .put("onePullSeconds", one).put("onePullPeakRssMiB", pullRss >> 20).put("sOverB", size / bytesPerSecond)
            .put("machine", Machine.describe())
            .put("results", results);
        Files.writeString(out.resolve("fanout.json"), report.encodePrettily());
        Files.writeString(out.resolve("fanout.md"), markdown(report));
        charts(results);
        log.info("fanout: wrote " + out.resolve("fanout.md"));
      } finally {
        stop(serve);
      }
    } finally {
      teardown(max);
    }
    return 0;
  }

  /** What one run of one case measured. */
  record Outcome(double seconds, long originBytes, boolean verified, String error, long peakRssBytes,
      double cpuSeconds) {}

  /**
   * One run: {@code n} hosts pull as {@code shape} ("pull": plain pulls from the origin, the
   * baseline; the others are relays); with {@code kill >= 0}, the hop at that place
   * in the plan is SIGKILLed {@code killAtSeconds} after the start (half the undisturbed chain's
   * median time: half-way through its transfer).
   */
  private Outcome once(String shape, int n, int kill, double killAtSeconds) throws Exception {
    List<BroadcastPlan.Target> targets = new ArrayList<>();
    for (int h = 1; h <= n; h++) {
      targets.add(new BroadcastPlan.Target("h" + h, bytesPerSecond));
    }
    BroadcastPlan plan = switch (shape) {
      case "star", "pull" -> BroadcastPlan.star("h0", targets);
      case "chain" -> BroadcastPlan.chain("h0", targets);
      default -> BroadcastPlan.tree("h0", targets, 2);
    };
    for (int h = 1; h <= n; h++) {
      deleteTree(shm.resolve("h" + h));
    }
    long tx0 = txBytes(0);
    long started = System.nanoTime();
    Map<String, Process> procs = new LinkedHashMap<>();
    String killed = kill >= 0 ? plan.hops().get(kill).name() : null;
    try {
      for (BroadcastPlan.Hop hop : plan.hops()) {
        int h = Integer.parseInt(hop.name().substring(1));
        List<String> sources = new ArrayList<>();
        for (String up : hop.upstreams()) {
          int u = Integer.parseInt(up.substring(1));
          sources.add("shardline://" + addr(u) + ":" + PORT + (u == 0 ? "/ckpt.bin" : "/"));
        }
        List<String> argv = shape.equals("pull")
            ? new ArrayList<>(List.of("pull", String.join(",", sources), shm.resolve(hop.name()).toString(),
                "--trust", fingerprint, "--json", "--compression", "none", "--lanes", "4"))
            : new ArrayList<>(List.of("relay", String.join(",", sources), shm.resolve(hop.name()).toString(),
                "--listen", addr(h) + ":" + PORT, "--cert", env.cert().toString(), "--key", env.key().toString(),
                "--trust", fingerprint, "--json", "--compression", "none", "--lanes", "4",
                "--state-dir", shm.resolve("state-" + h).toString()));
        if (sources.size() > 1) {
          argv.add("--failover");
        }
        procs.put(hop.name(), start(h, hop.name(), argv, shape.equals("pull")));
      }
      boolean killedYet = false;
      Map<String, Double> done = new LinkedHashMap<>();
      String error = null;
      long deadline = started + TimeUnit.SECONDS.toNanos(env.timeoutSeconds());
      while (done.size() + (killedYet ? 1 : 0) < procs.size() && System.nanoTime() < deadline) {
        double t = (System.nanoTime() - started) / 1e9;
        if (killed != null && !killedYet && t > killAtSeconds) {
          procs.get(killed).destroyForcibly(); // SIGKILL
          killedYet = true;
          log.info("fanout: killed " + killed + " at " + String.format(Locale.ROOT, "%.1f s", t));
        }
        for (Map.Entry<String, Process> e : procs.entrySet()) {
          if (done.containsKey(e.getKey()) || e.getKey().equals(killed) && killedYet) {
            continue;
          }
          JsonObject summary = summary(logOf(e.getKey()));
          if (summary != null) {
            done.put(e.getKey(), (System.nanoTime() - started) / 1e9);
            if (!summary.getBoolean("verified", false)) {
              error = e.getKey() + ": " + summary.getJsonArray("errors");
            }
          } else if (!e.getValue().isAlive()) {
            error = e.getKey() + " exited " + e.getValue().exitValue() + " without a summary";
            done.put(e.getKey(), Double.NaN);
          }
        }
        Thread.sleep(20); // polling the children's logs, bounded by the deadline
      }
      if (done.size() + (killedYet ? 1 : 0) < procs.size()) {
        error = "timed out after " + env.timeoutSeconds() + " s";
      }
      double seconds = done.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
      long originBytes = txBytes(0) - tx0;
      boolean verified = error == null && identical(plan, killed);
      if (error == null && !verified) {
        error = "a copy differs from the origin";
      }
      long rss = 0;
      double cpu = 0;
      for (Map.Entry<String, Process> e : procs.entrySet()) {
        cpu += cpuSeconds(e.getValue());
      }
      for (Map.Entry<String, Process> e : procs.entrySet()) {
        if (!e.getKey().equals(killed)) {
          rss = Math.max(rss, shape.equals("pull") ? timedRss(e.getValue(), logOf(e.getKey())) : peakRss(e.getValue()));
        }
      }
      log.info(String.format(Locale.ROOT, "fanout: %s of %d%s: %.2f s, origin sent %.2f S, relay peak RSS %d MiB,"
          + " hosts' CPU %.1f s%s", shape, n, killed != null ? " (" + killed + " killed)" : "", seconds,
          originBytes / (double) size, rss >> 20, cpu, error == null ? "" : ", " + error));
      return new Outcome(seconds, originBytes, verified, error, rss, cpu);
    } finally {
      for (Process p : procs.values()) {
        stop(p);
      }
    }
  }

  private JsonObject row(String shape, int n, List<Outcome> outs, double one, boolean killed) {
    List<Double> secs = outs.stream().map(Outcome::seconds).toList();
    List<Double> origin = outs.stream().map(o -> o.originBytes() / (double) size).toList();
    double t = median(secs);
    JsonObject j = new JsonObject().put("shape", shape).put("hosts", n).put("killedMiddle", killed)
        .put("seconds", t).put("runsSeconds", new JsonArray(secs))
        .put("overOnePull", t / one).put("overSOverB", t / (size / bytesPerSecond))
        .put("originOverS", median(origin))
        .put("peakRelayRssMiB", outs.stream().mapToLong(Outcome::peakRssBytes).max().orElse(0) >> 20)
        .put("hostsCpuSeconds", median(outs.stream().map(Outcome::cpuSeconds).toList()))
        .put("verified", outs.stream().allMatch(Outcome::verified))
        .put("errors", new JsonArray(outs.stream().map(Outcome::error).filter(e -> e != null).toList()));
    return j;
  }

  /** Every copy (but the killed hop's) is the origin's bytes. */
  private boolean identical(BroadcastPlan plan, String killed) throws IOException {
    Path want = shm.resolve("origin/ckpt.bin");
    for (BroadcastPlan.Hop h : plan.hops()) {
      if (h.name().equals(killed)) {
        continue;
      }
      Path got = shm.resolve(h.name()).resolve("ckpt.bin");
      if (!Files.exists(got) || Files.mismatch(want, got) != -1) {
        return false;
      }
    }
    return true;
  }

  // ---- the network: a bridge in a switch namespace, a shaped veth pair per host ----

  private String topology(int max) throws InterruptedException {
    teardown(max);
    List<List<String>> steps = new ArrayList<>();
    steps.add(List.of("ip", "netns", "add", SWITCH));
    steps.add(List.of("ip", "-n", SWITCH, "link", "add", BRIDGE, "type", "bridge"));
    steps.add(List.of("ip", "-n", SWITCH, "link", "set", BRIDGE, "up"));
    long gbit = Math.max(1, Math.round(bytesPerSecond * 8 / 1e9));
    String burst = gbit * 256 + "kb";
    String limit = gbit * 1024 + "kb";
    for (int h = 0; h <= max; h++) {
      String ns = ns(h);
      String port = "p" + h;
      steps.add(List.of("ip", "netns", "add", ns));
      steps.add(List.of("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", SWITCH));
      steps.add(List.of("ip", "-n", ns, "addr", "add", addr(h) + "/24", "dev", "eth0"));
      steps.add(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
      steps.add(List.of("ip", "-n", ns, "link", "set", "eth0", "up"));
      steps.add(List.of("ip", "-n", SWITCH, "link", "set", port, "master", BRIDGE));
      steps.add(List.of("ip", "-n", SWITCH, "link", "set", port, "up"));
      steps.add(List.of("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", rate,
          "burst", burst, "limit", limit));
      steps.add(List.of("ip", "netns", "exec", SWITCH, "tc", "qdisc", "add", "dev", port, "root", "tbf", "rate", rate,
          "burst", burst, "limit", limit));
    }
    for (List<String> step : steps) {
      String err = Net.run(step);
      if (err != null) {
        return String.join(" ", step) + ": " + err;
      }
    }
    return null;
  }

  private void teardown(int max) throws InterruptedException {
    for (int h = 0; h <= max; h++) {
      Net.run(List.of("ip", "netns", "del", ns(h)));
    }
    Net.run(List.of("ip", "netns", "del", SWITCH));
  }

  /** Bytes the host's link interface has sent (its kernel counter, as the host's namespace sees it). */
  private long txBytes(int host) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ip", "netns", "exec", ns(host), "cat", "/sys/class/net/eth0/statistics/tx_bytes")
        .redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor(10, TimeUnit.SECONDS);
    return Long.parseLong(s);
  }

  // ---- processes ----

  private Path logOf(String name) {
    return env.logs().resolve("fanout-" + name + ".log");
  }

  private Process start(int host, String name, List<String> args) throws IOException {
    return start(host, name, args, false);
  }

  /** With {@code timed}, under GNU time, whose {@code maxrss_kb=} line gives a command that exits its peak RSS. */
  private Process start(int host, String name, List<String> args, boolean timed) throws IOException {
    Files.createDirectories(env.logs());
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
    if (timed) {
      argv.addAll(List.of("/usr/bin/time", "-f", "maxrss_kb=%M"));
    }
    argv.addAll(env.shardline());
    argv.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(logOf(name).toFile());
    pb.environment().putAll(Env.CHILD_ENV);
    return pb.start();
  }

  private String[] banner(Process p, Path logFile) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && p.isAlive()) {
      Matcher m = BANNER.matcher(Files.readString(logFile));
      if (m.find()) {
        return new String[] {m.group(1), m.group(2)};
      }
      Thread.sleep(20); // polling the child's log, bounded by the deadline
    }
    throw new IOException("the origin did not start: " + Files.readString(logFile));
  }

  private static JsonObject summary(Path logFile) throws IOException {
    if (!Files.exists(logFile)) {
      return null;
    }
    for (String line : Files.readString(logFile).split("\n")) {
      if (line.startsWith("{") && line.contains("\"verified\"")) {
        return new JsonObject(line);
      }
    }
    return null;
  }

  /** The largest resident set (VmHWM) of a child or the processes it started (the launcher's JVM). */
  private static long peakRss(Process p) {
    long max = 0;
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    for (ProcessHandle h : all) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(h.pid()), "status"))) {
          if (line.startsWith("VmHWM:")) {
            max = Math.max(max, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
          }
        }
      } catch (IOException | RuntimeException e) {
        // gone meanwhile
      }
    }
    return max;
  }

  /**
   * CPU-seconds (user + system) the child's processes have used, from {@code /proc/PID/stat}: for
   * the relays, which still run (a pull that exited is gone and counts 0).
   */
  private static double cpuSeconds(Process p) {
    double sum = 0;
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    for (ProcessHandle h : all) {
      try {
        String stat = Files.readString(Path.of("/proc", String.valueOf(h.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ 100)
      } catch (IOException | RuntimeException e) {
        // gone meanwhile
      }
    }
    return sum;
  }

  /** The peak RSS GNU time reported for a command that ran under it, once it exited (bounded wait). */
  private static long timedRss(Process p, Path logFile) throws IOException, InterruptedException {
    p.waitFor(30, TimeUnit.SECONDS);
    Matcher m = Pattern.compile("maxrss_kb=(\\d+)").matcher(Files.readString(logFile));
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
  }

  /** Stops a child and everything it started (the launcher's JVM), by PID. */
  private static void stop(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  // ---- data, figures ----

  private static void randomFile(Path file, long size) throws IOException {
    SplittableRandom rnd = new SplittableRandom(2026);
    byte[] block = new byte[1 << 20];
    try (OutputStream o = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= block.length) {
        for (int i = 0; i < block.length; i += 8) {
          long v = rnd.nextLong();
          for (int b = 0; b < 8; b++) {
            block[i + b] = (byte) (v >>> (8 * b));
          }
        }
        o.write(block, 0, (int) Math.min(block.length, left));
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted().toArray();
    if (a.length == 0) {
      return Double.NaN;
    }
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private String markdown(JsonObject report) {
    StringBuilder b = new StringBuilder("# Fan-out: one file to N hosts\n\n");
    b.append(String.format(Locale.ROOT, "%s per host link (tc tbf both ways), %d MiB, %d runs per case (medians); one pull"
            + " from the origin: %.2f s (S/B = %.2f s, peak RSS %d MiB). Destinations on tmpfs. Machine: %s.%n%n", rate,
        size >> 20, runs, report.getDouble("onePullSeconds"), report.getDouble("sOverB"),
        report.getLong("onePullPeakRssMiB"), report.getString("machine")));
    b.append("| shape | hosts | middle relay killed | seconds | ÷ one pull | ÷ S/B | origin sent ÷ S | relay peak RSS"
        + " | hosts' CPU-s | verified |\n");
    b.append("|---|--:|---|--:|--:|--:|--:|--:|--:|---|\n");
    for (Object o : report.getJsonArray("results")) {
      JsonObject r = (JsonObject) o;
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %.2f | %.2f | %.2f | %.2f | %d MiB | %.1f | %s |%n",
          r.getString("shape"), r.getInteger("hosts"), r.getBoolean("killedMiddle") ? "yes" : "", r.getDouble("seconds"),
          r.getDouble("overOnePull"), r.getDouble("overSOverB"), r.getDouble("originOverS"), r.getLong("peakRelayRssMiB"),
          r.getDouble("hostsCpuSeconds"),
          r.getBoolean("verified") ? "yes" : "NO " + r.getJsonArray("errors")));
    }
    return b.toString();
  }

  private void charts(JsonArray results) throws IOException {
    for (String what : List.of("overSOverB", "originOverS")) {
      CategoryChart ch = new CategoryChartBuilder().width(900).height(500)
          .title(what.equals("overSOverB") ? "fan-out completion ÷ (S/B)" : "origin bytes sent ÷ S (link counter)")
          .xAxisTitle("hosts").yAxisTitle(what.equals("overSOverB") ? "× S/B (median)" : "× S (median)").build();
      ch.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
      for (String shape : List.of("star", "chain", "tree")) {
        List<String> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Object o : results) {
          JsonObject r = (JsonObject) o;
          if (r.getString("shape").equals(shape) && !r.getBoolean("killedMiddle")) {
            xs.add(String.valueOf(r.getInteger("hosts")));
            ys.add(r.getDouble(what));
          }
        }
        if (!xs.isEmpty()) {
          ch.addSeries(shape, xs, ys);
        }
      }
      if (!ch.getSeriesMap().isEmpty()) {
        BitmapEncoder.saveBitmap(ch, out.resolve("fanout-" + what + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
      }
    }
  }


}
