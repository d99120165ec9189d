package io.shardline.perf.e2e;

import io.shardline.engine.rate.Rates;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardline bench}: the end-to-end benchmark. Prepares the data sets once, then per network
 * scenario (loopback; emulated 1 and 10 Gbit/s links between network namespaces, as root) and per
 * data set runs every case — Shardline pulls over TLS with each lane count and compression mode
 * (and, where the profile says, with a {@code --rate-limit}), and the peers (iperf3, nginx HTTPS →
 * curl and aria2c -x4, rsync over ssh, tar|zstd|TLS, set up as the team's peer baselines are), a
 * node's HTTPS front → the same curl, and Shardline's HTTPS client from nginx — alternated, {@code
 * runs} times; then pulls 1, 8 and 32 GiB sparse files to show that peak RSS stays flat. The
 * {@link Profile} says which of this runs ({@code full}, {@code quick}, {@code tiny}, {@code
 * peers}, {@code compression}, {@code https}); options override it. Writes results.json,
 * results.md and PNG charts to {@code --out}. Peers that are not installed are skipped with a
 * message; a tool that cannot serve a set leaves a skipped row, a run that fails or breaks down a
 * failed run, and the rest goes on. Runs from {@code bin/shardline bench}; needs nothing outside
 * the repository.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "End-to-end benchmark: Shardline beside iperf3, nginx+curl/aria2c, rsync/ssh and zstd|TLS, "
        + "a node's HTTPS front against nginx (same curl), pull https:// against aria2c; "
        + "profiles full, quick, tiny, peers, compression, https, fanout.")
public final class BenchMain implements Callable<Integer> {
  @Option(names = "--quick", description = "Smoke check: small sets, 1 run, lanes 1 and 4 (under 3 minutes once data are cached).")
  boolean quick;

  @Option(names = "--profile", description = "full (default), quick, tiny (the harness test; MiB-sized sets), "
      + "peers (Shardline 4 lanes vs nginx+curl/aria2c, 2 GiB random and 10,000 x 64 KiB, every byte verified), "
      + "compression (none/zstd/planes/auto on BERT FP32, BERT BF16 and 2 GiB random; BERT BF16 also at --rate-limit 1gbit), "
      + "https (node HTTPS front vs nginx by the same curl, into DEST and to /dev/null; pull https:// --lanes 4 vs "
      + "aria2c -x4 -s4 from nginx; one 1 GiB random file, 5 runs), "
      + "fanout (one file from an origin to N hosts in network namespaces on a bridge, each link tc tbf --link-rates, "
      + "as a star, a chain and a binary tree of relays, and a chain with its middle relay SIGKILLed half-way; "
      + "--fanout-hosts, --link-mib (default 1024), --runs (default 3)).")
  String profileName;

  @Option(names = "--fanout-hosts", split = ",", description = "fanout: host counts (default: 2,4,6,8).")
  List<Integer> fanoutHosts = List.of(2, 4, 6, 8);

  @Option(names = "--out", description = "Output directory (default: bench-results/<UTC time>).")
  Path out;

  @Option(names = "--data", description = "Data cache (default: ${DEFAULT-VALUE}).")
  Path data = Path.of(System.getProperty("java.io.tmpdir"), "shardline-bench-data");

  @Option(names = "--dest", description = "Destination directory, emptied before each run (default: ${DEFAULT-VALUE}).")
  Path dest = Path.of(System.getProperty("java.io.tmpdir"), "shardline-bench-dst");

  @Option(names = "--sets", split = ",", description = "Data sets: random, bf16, bert-fp32, bert-bf16, small "
      + "(default: the profile's; quick leaves out bert-fp32).")
  List<String> sets;

  @Option(names = "--tools", split = ",", description = "Tools: shardline, iperf3, nginx, node-https (serve's HTTPS "
      + "front -> curl; with nginx also curl to /dev/null), pull-https (pull https:// from nginx; needs nginx), rsync, "
      + "pipeline (default: the profile's); missing peers are skipped.")
  List<String> tools;

  @Option(names = "--compressions", split = ",", description = "Shardline compression modes: none, zstd, planes, auto "
      + "(default: the profile's).")
  List<String> compressions;

  @Option(names = "--rate-limit", paramLabel = "RATE", description = "Also pull every set with this --rate-limit, "
      + "e.g. 1gbit (default: the profile's; compression: 1gbit on bert-bf16).")
  String rateLimit;

  @Option(names = "--verify", paramLabel = "sample|all", description = "Destination check: sample (sizes, first and last "
      + "file) or all (every byte, no extra file) (default: the profile's; peers: all).")
  String verify;

  @Option(names = "--pull-args", description = "Extra arguments for every Shardline pull, split on spaces "
      + "(e.g. \"--chunk-size 8MiB\").")
  String pullArgs;

  @Option(names = "--runs", description = "Repetitions per case (default: the profile's).")
  Integer runs;

  @Option(names = "--lanes", split = ",", description = "Shardline lane counts, e.g. 2 (pull's default here: one a core, "
      + "at least 2) (default: the profile's; on the emulated links only 1 and 4 of them unless given).")
  List<Integer> lanes;

  @Option(names = "--link-mib", description = "Size of the random and BF16 files pulled over the emulated links, MiB "
      + "(default: the profile's; full: 256; the line-rate targets use 2048).")
  Integer linkMiB;

  @Option(names = "--link-rates", split = ",", description = "Emulated link rates (tc tbf), e.g. 1gbit,10gbit "
      + "(default: the profile's).")
  List<String> linkRates;

  @Option(names = "--no-loopback", description = "Skip the loopback scenario (run only links and memory).")
  boolean noLoopback;

  @Option(names = "--no-links", description = "Skip the emulated-link scenarios.")
  boolean noLinks;

  @Option(names = "--no-memory", description = "Skip the memory-flatness pulls.")
  boolean noMemory;

  @Option(names = "--shardline", description = "Command that runs the Shardline CLI, split on spaces (default: REPO/bin/shardline).")
  String shardline;

  @Option(names = "--repo", description = "Repository root (default: from the working directory).")
  Path repo = Path.of("").toAbsolutePath();

  @Option(names = "--timeout", description = "Limit per command, seconds (default: ${DEFAULT-VALUE}).")
  long timeout = 300;

  @Option(names = "--quiet-max", description = "Longest wait for an idle machine before a run, seconds; "
      + "nine times this in all (default: ${DEFAULT-VALUE}; 0 never waits).")
  double quietMax = 10;

  @Option(names = "--budget", description = "Start no new run after this many seconds (default: ${DEFAULT-VALUE}).")
  long budget = 1700;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Log log = new Log(System.err);
    Profile profile = "fanout".equals(profileName) ? Profile.named("tiny") : profile();
    if (sets == null) {
      sets = profile.sets();
    }
    if (tools == null) {
      tools = profile.tools();
    }
    Path outDir = out != null ? out : Path.of("bench-results", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", ""));
    List<String> sl = Arrays.asList((shardline != null ? shardline : repo.resolve("bin/shardline").toString()).trim().split("\\s+"));
    Files.createDirectories(data);
    Path work = data.resolve("work");
    Files.createDirectories(work);
    Env env = new Env(work, dest.toAbsolutePath(), work.resolve("tls/cert.pem"), work.resolve("tls/key.pem"), sl, timeout, log);
    if ("fanout".equals(profileName)) {
      certificate(env);
      String rate = linkRates == null || linkRates.isEmpty() ? "1gbit" : linkRates.get(0);
      long bytes = (linkMiB == null ? 1024L : linkMiB) << 20;
      return new FanoutBench(env, outDir, rate, bytes, fanoutHosts, runs == null ? 3 : runs).run();
    }
    String instant = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    log.info("bench profile " + profile.name() + " → " + outDir.toAbsolutePath() + "; machine " + Machine.describe());
    String bad = Net.run(ShardlineTool.concat(sl, List.of("--version")));
    if (bad != null) {
      log.info("the Shardline command '" + String.join(" ", sl) + "' does not run: " + bad);
      return 3;
    }
    certificate(env);
    DataSets ds = new DataSets(data, repo, log);
    List<DataSet> loopSets = ds.prepare(profile, sets);

    Map<String, String> configs = new LinkedHashMap<>();
    List<Scenario> scenarios = new ArrayList<>();
    List<String> skippedTools = new ArrayList<>();
    long deadline = System.nanoTime() + budget * 1_000_000_000L;
    Runner runner = new Runner(env, quietMax);

    if (!noLoopback) {
      Scenario loop = new Scenario("loopback", Net.loopback().description());
      try (Net net = Net.loopback()) {
        runScenario(loop, net, loopSets, profile, profile.lanes(), env, ds.views(profile), runner, configs, skippedTools,
            deadline);
      }
      scenarios.add(loop);
    }

    if (!noLinks && !profile.linkRates().isEmpty()) {
      List<DataSet> linkSets = linkSets(ds, profile, loopSets);
      for (String rate : profile.linkRates()) {
        Scenario sc;
        try (Net net = Net.link(rate)) {
          sc = new Scenario(net.id(), net.description());
          List<Integer> linkLanes = lanes != null ? profile.lanes()
              : profile.lanes().stream().filter(l -> l == 1 || l == 4).toList();
          runScenario(sc, net, linkSets, profile, linkLanes, env, ds.views(profile), runner, configs, skippedTools, deadline);
        } catch (Net.Unavailable e) {
          sc = new Scenario("link-" + rate, "emulated " + rate + " link");
          sc.skipped.add("emulated link not available here (needs root, ip netns, veth, tc tbf): " + e.getMessage());
          log.info("skipping link-" + rate + ": " + e.getMessage());
        }
        scenarios.add(sc);
      }
    }

    List<MemoryPoint> memory = new ArrayList<>();
    if (!noMemory && tools.contains("shardline") && !profile.memoryMiB().isEmpty()) {
      memory = MemoryFlatness.run(profile, env, data, runner);
    }
    skippedTools.forEach(s -> configs.put(s.split(":")[0], "skipped: " + s.substring(s.indexOf(':') + 1).trim()));
    JsonObject meta = new JsonObject().put("profile", profile.name()).put("runs", profile.runs())
        .put("started", instant).put("seconds", Math.round(log.elapsedSeconds())).put("machine", Machine.describe())
        .put("git", Machine.git(repo)).put("lanes", profile.lanes()).put("compressions", profile.compressions())
        .put("rateLimit", profile.rateLimit()).put("rateSets", profile.rateSets())
        .put("verify", profile.verifyAll() ? "all" : "sample");
    Report.write(outDir, meta, profile, scenarios, memory, configs);
    log.info("done in " + Math.round(log.elapsedSeconds()) + " s: " + outDir.resolve("results.md").toAbsolutePath());
    boolean anyFailed = scenarios.stream().flatMap(s -> s.sets.stream()).flatMap(s -> s.cases.values().stream())
        .anyMatch(r -> r.good().isEmpty() && r.skipped == null);
    return anyFailed ? 1 : 0;
  }

  /** The profile named by {@code --profile} (or {@code --quick}), with the options that override it. */
  Profile profile() {
    Profile p;
    try {
      p = Profile.named(profileName != null ? profileName : quick ? "quick" : "full");
      if (runs != null) {
        p = p.withRuns(runs);
      }
      if (compressions != null) {
        p = p.withCompressions(compressions);
      }
      if (lanes != null) {
        if (lanes.isEmpty() || lanes.stream().anyMatch(l -> l < 1 || l > 64)) {
          throw new IllegalArgumentException("--lanes takes lane counts from 1 to 64, not " + lanes);
        }
        p = p.withLanes(List.copyOf(lanes));
      }
      if (linkMiB != null || linkRates != null) {
        p = p.withLinks(linkMiB != null ? linkMiB : p.linkMiB(), linkRates != null ? linkRates : p.linkRates());
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    if (rateLimit != null) {
      try {
        Rates.parse(rateLimit); // the engine's own parser: fail before any data is prepared
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--rate-limit: " + e.getMessage());
      }
      p = p.withRateLimit(rateLimit, sets != null ? sets : p.sets());
    }
    if (verify != null) {
      if (!verify.equals("sample") && !verify.equals("all")) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--verify is sample or all, not " + verify);
      }
      p = p.withVerifyAll(verify.equals("all"));
    }
    return p;
  }

  /** The {@code --pull-args}, split on spaces. */
  List<String> pullArgs() {
    return pullArgs == null || pullArgs.isBlank() ? List.of() : List.of(pullArgs.trim().split("\\s+"));
  }

  private void runScenario(Scenario sc, Net net, List<DataSet> sets, Profile profile, List<Integer> lanes, Env env, Path docRoot,
      Runner runner, Map<String, String> configs, List<String> skippedTools, long deadline) throws Exception {
    Log log = env.log();
    Profile p = profile.withLanes(lanes);
    List<Tool> active = new ArrayList<>();
    try {
      for (Tool t : tools(env, docRoot, profile)) {
        String missing = t.missing();
        if (missing != null) {
          log.info("skipping " + t.id() + ": " + missing);
          skippedTools.add(t.id() + ": " + missing);
          sc.skipped.add(t.id() + " (" + missing + ")");
          t.close();
          continue;
        }
        try {
          t.start(net);
          active.add(t);
          configs.put(t.id(), t.config());
        } catch (Exception e) {
          log.info("skipping " + t.id() + " in " + sc.id + ": " + e.getMessage());
          sc.skipped.add(t.id() + " (could not start: " + e.getMessage() + ")");
          t.close();
        }
      }
      for (DataSet set : sets) {
        SetResult sr = new SetResult(set);
        sc.sets.add(sr);
        List<Tool> ready = new ArrayList<>();
        Map<Tool, String> unable = new LinkedHashMap<>();
        for (Tool t : active) {
          try {
            t.beginSet(set);
            ready.add(t);
          } catch (Exception e) {
            log.info(t.id() + " cannot serve " + set.id() + ": " + e.getMessage());
            sc.skipped.add(t.id() + " on " + set.id() + " (" + e.getMessage() + ")");
            unable.put(t, String.valueOf(e.getMessage()));
          }
        }
        List<Map.Entry<Tool, Case>> cases = new ArrayList<>();
        for (Tool t : ready) {
          t.cases(p, set).forEach(c -> cases.add(Map.entry(t, c)));
        }
        int n = cases.size();
        log.info("== " + sc.id + " / " + set.id() + ": " + set.files().size() + " files, " + set.bytes() + " B, " + n
            + " cases x " + p.runs() + " runs");
        for (int rep = 0; rep < p.runs(); rep++) {
          int shift = n == 0 ? 0 : rep * n / p.runs();
          for (int i = 0; i < n; i++) {
            Map.Entry<Tool, Case> e = cases.get((i + shift) % n);
            CaseResult cr = sr.of(e.getValue());
            if (System.nanoTime() > deadline) {
              cr.runs.add(RunResult.notRun(rep + 1, "skipped: time budget"));
              continue;
            }
            RunResult r;
            try {
              r = runner.run(e.getKey(), e.getValue(), set, rep + 1, p.verifyAll());
            } catch (IOException | RuntimeException x) {
              r = RunResult.notRun(rep + 1, "error: " + x);
            }
            cr.runs.add(r);
            log.info(String.format("%s / %s / %s #%d: %s", sc.id, set.id(), e.getValue().id(), rep + 1, r.ok()
                ? String.format("%.0f MB/s, %.2f CPU-s/GB, RSS %d/%d MiB, wire %.3f%s", r.mbPerSecond(), r.cpuPerGb(),
                    r.clientRss() >> 20, r.serverRss() >> 20, r.wireRatio(), r.background() > Runner.QUIET_CORES
                        ? String.format(" (other load %.2f cores)", r.background()) : "")
                : "FAILED " + r.note()));
          }
        }
        unable.forEach((t, why) -> t.cases(p, set).forEach(c -> sr.skip(c, why)));
        for (Tool t : ready) {
          t.endSet();
        }
      }
    } finally {
      active.forEach(Tool::close);
      DataSets.deleteTree(env.dest());
    }
  }

  /** The tools named by {@code --tools}, each once; pull-https pulls from the one nginx (it does not start it). */
  List<Tool> tools(Env env, Path docRoot, Profile profile) {
    NginxTool nginx = new NginxTool(env, docRoot, tools.contains("node-https"));
    List<Tool> out = new ArrayList<>();
    for (String t : tools) {
      Tool tool = switch (t) {
        case "shardline" -> new ShardlineTool(env, pullArgs(), true);
        case "iperf3" -> new IperfTool(env, profile.iperfSeconds());
        case "nginx", "curl", "aria2c" -> nginx;
        case "node-https" -> new NodeHttpsTool(env, docRoot);
        case "pull-https" -> new HttpsPullTool(env, nginx);
        case "rsync" -> new RsyncTool(env);
        case "pipeline" -> new PipelineTool(env);
        default -> throw new CommandLine.ParameterException(new CommandLine(this),
            "unknown tool '" + t + "' (" + String.join(", ", Profile.ALL_TOOLS) + ")");
      };
      if (!out.contains(tool)) {
        out.add(tool);
      }
    }
    return out;
  }

  /** Sets for the emulated links: one file each of random and BF16 of linkMiB, and BERT BF16. */
  private List<DataSet> linkSets(DataSets ds, Profile profile, List<DataSet> loopSets) throws IOException, InterruptedException {
    Profile lp = profile.withFiles("-link", profile.linkMiB(), 1);
    List<String> want = new ArrayList<>();
    for (String s : List.of("random", "bf16")) {
      if (sets.contains(s) && profile.linkSets().contains(s)) {
        want.add(s);
      }
    }
    List<DataSet> out = new ArrayList<>();
    for (DataSet d : ds.prepare(lp, want)) {
      out.add(new DataSet("link-" + d.id(), d.description() + ", one " + profile.linkMiB() + " MiB file", d.root(),
          d.files(), d.bytes()));
    }
    loopSets.stream().filter(d -> d.id().equals("bert-bf16") && profile.linkSets().contains(d.id())).forEach(out::add);
    return relink(ds, profile, out);
  }

  /** nginx serves the views root: put link sets under it too, by their ids. */
  private static List<DataSet> relink(DataSets ds, Profile profile, List<DataSet> in) throws IOException {
    List<DataSet> out = new ArrayList<>();
    Path views = ds.views(profile);
    for (DataSet d : in) {
      Path v = views.resolve(d.id());
      if (!v.equals(d.root())) {
        DataSets.deleteTree(v);
        Files.createDirectories(v);
        for (String r : d.files()) {
          Files.createLink(v.resolve(r), d.root().resolve(r));
        }
      }
      out.add(new DataSet(d.id(), d.description(), v, d.files(), d.bytes()));
    }
    return out;
  }

  /** One self-signed P-256 certificate for nginx and the socat pipeline, as in run-all.sh. */
  private static void certificate(Env env) throws IOException, InterruptedException {
    if (Files.exists(env.cert()) && Files.exists(env.key())) {
      return;
    }
    Files.createDirectories(env.cert().getParent());
    String err = Net.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "30", "-subj", "/CN=localhost", "-addext",
        "subjectAltName=IP:127.0.0.1,IP:10.203.0.1,IP:10.203.0.2,DNS:localhost",
        "-keyout", env.key().toString(), "-out", env.cert().toString()));
    if (err != null) {
      env.log().info("openssl req failed (" + err + "): nginx and the pipeline will fail to start");
    }
  }
}
