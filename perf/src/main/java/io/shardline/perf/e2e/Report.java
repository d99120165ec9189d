package io.shardline.perf.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a run's results: {@code results.json} (every run), {@code results.md} (per scenario and
 * data set: medians, spread, CPU per GB, RSS, wire ratio, ratios to each peer; the {@link
 * HeadToHead} comparisons) and the PNG charts.
 * MB = 10^6 bytes, GB = 10^9 bytes, Gbit/s = MB/s × 8 / 1000.
 */
final class Report {
  /** Peers every Shardline row is compared with: case id → column title. */
  static final Map<String, String> PEERS = new LinkedHashMap<>();

  static {
    PEERS.put("iperf3", "÷ iperf3");
    PEERS.put("curl", "× curl");
    PEERS.put("aria2c-x4", "× aria2c -x4");
    PEERS.put("rsync-ssh", "× rsync/ssh");
    PEERS.put("zstd-tls-pipeline", "× zstd\\|TLS");
  }

  private Report() {}

  static void write(Path out, JsonObject meta, Profile profile, List<Scenario> scenarios, List<MemoryPoint> memory,
      Map<String, String> configs) throws IOException {
    Files.createDirectories(out);
    Map<String, String> charts = new LinkedHashMap<>();
    for (Scenario sc : scenarios) {
      for (SetResult s : sc.sets) {
        List<Integer> lanes = s.cases.values().stream().filter(r -> r.c.shardline()).map(r -> r.c.lanes()).distinct()
            .sorted().toList();
        String f = Charts.throughput(out, sc, s, lanes.isEmpty() ? profile.lanes() : lanes);
        if (f != null) {
          charts.put(sc.id + "/" + s.set.id(), f);
        }
      }
      String f = Charts.cpu(out, sc);
      if (f != null) {
        charts.put(sc.id + "/cpu", f);
      }
      String h = Charts.headToHead(out, sc);
      if (h != null) {
        charts.put(sc.id + "/head-to-head", h);
      }
    }
    String rss = Charts.rss(out, memory);
    if (rss != null) {
      charts.put("memory", rss);
    }
    Files.writeString(out.resolve("results.json"), json(meta, scenarios, memory, configs, charts).encodePrettily() + "\n");
    Files.writeString(out.resolve("results.md"), markdown(meta, scenarios, memory, configs, charts));
  }

  static JsonObject json(JsonObject meta, List<Scenario> scenarios, List<MemoryPoint> memory, Map<String, String> configs,
      Map<String, String> charts) {
    JsonArray scs = new JsonArray();
    for (Scenario sc : scenarios) {
      JsonArray sets = new JsonArray();
      for (SetResult s : sc.sets) {
        JsonArray cases = new JsonArray();
        for (CaseResult r : s.cases.values()) {
          JsonArray runs = new JsonArray();
          r.runs.forEach(x -> runs.add(run(x)));
          JsonObject ratios = new JsonObject();
          PEERS.keySet().forEach(p -> ratios.put(p, num(r.mbps() / s.peer(p))));
          JsonObject k = new JsonObject().put("id", r.c.id()).put("label", r.c.label()).put("tool", r.c.tool())
              .put("lanes", r.c.lanes()).put("compression", r.c.compression())
              .put("medianMBps", num(r.mbps())).put("minMBps", num(r.min(RunResult::mbPerSecond)))
              .put("maxMBps", num(r.max(RunResult::mbPerSecond))).put("medianGbps", num(r.mbps() * 8 / 1000))
              .put("firstRunMBps", num(r.firstMbps())).put("medianMBpsAfterFirstRun", num(r.laterMbps()))
              .put("medianEngineMBps", num(r.median(RunResult::innerMbPerSecond)))
              .put("rateLimit", r.c.rateLimit())
              .put("medianCpuSecondsPerGB", num(r.median(RunResult::cpuPerGb)))
              .put("medianClientCpuSecondsPerGB", num(r.median(RunResult::clientCpuPerGb)))
              .put("medianServerCpuSecondsPerGB", num(r.median(RunResult::serverCpuPerGb)))
              .put("medianEngineSeconds", num(r.engineSeconds()))
              .put("speedUpVsNone", num(r.speedUpOver(s.uncompressed(r.c))))
              .put("peakClientRssBytes", (long) r.max(RunResult::clientRss))
              .put("peakServerRssBytes", (long) r.max(RunResult::serverRss))
              .put("medianWireRatio", num(r.median(RunResult::wireRatio)))
              .put("ratioToPeer", ratios).put("noisy", r.noisy()).put("runs", runs);
          if (r.skipped != null) {
            k.put("skipped", r.skipped);
          }
          cases.add(k);
        }
        JsonObject set = new JsonObject().put("id", s.set.id()).put("description", s.set.description())
            .put("files", s.set.files().size()).put("bytes", s.set.bytes()).put("cases", cases);
        BestPeer bp = BestPeer.of(s);
        if (bp != null) {
          set.put("bestPeer", new JsonObject().put("shardline", bp.shardline().c.id()).put("peer", bp.peer().c.id())
              .put("ratio", num(bp.ratio())).put("cpuRatio", num(bp.cpuRatio())));
        }
        JsonArray h2h = new JsonArray();
        for (HeadToHead.Figures f : HeadToHead.on(s)) {
          h2h.add(new JsonObject().put("id", f.pair().id()).put("title", f.pair().title()).put("case", f.pair().caseId())
              .put("baseline", f.pair().baselineId()).put("caseMBps", num(f.subject().mbps()))
              .put("caseFirstRunMBps", num(f.subject().firstMbps()))
              .put("caseMBpsAfterFirstRun", num(f.subject().laterMbps()))
              .put("caseEngineMBps", num(f.subject().median(RunResult::innerMbPerSecond)))
              .put("baselineMBps", num(f.baseline().mbps())).put("baselineMBpsAfterFirstRun", num(f.baseline().laterMbps()))
              .put("ratio", num(f.ratio())).put("ratioAfterFirstRun", num(f.laterRatio()))
              .put("engineRatio", num(f.engineRatio())).put("target", num(f.pair().target()))
              .put("meetsTarget", f.meetsTarget())
              .put("skipped", f.subject().skipped != null ? f.subject().skipped : f.baseline().skipped));
        }
        if (!h2h.isEmpty()) {
          set.put("headToHead", h2h);
        }
        sets.add(set);
      }
      scs.add(new JsonObject().put("id", sc.id).put("description", sc.description).put("sets", sets)
          .put("skipped", new JsonArray(sc.skipped)));
    }
    JsonArray mem = new JsonArray();
    memory.forEach(m -> mem.add(new JsonObject().put("mib", m.mib()).put("run", run(m.run()))));
    return meta.copy().put("units", "MB = 1e6 B, GB = 1e9 B, Gbit/s = MB/s * 8 / 1000")
        .put("tools", new JsonObject(new LinkedHashMap<>(configs))).put("scenarios", scs).put("memory", mem)
        .put("charts", new JsonObject(new LinkedHashMap<>(charts)));
  }

  private static JsonObject run(RunResult x) {
    return new JsonObject().put("rep", x.rep()).put("ok", x.ok()).put("bytes", x.bytes()).put("seconds", num(x.seconds()))
        .put("MBps", num(x.mbPerSecond())).put("engineSeconds", num(x.innerSeconds())).put("wireBytes", x.wireBytes()).put("clientCpuSeconds", num(x.clientCpu()))
        .put("serverCpuSeconds", num(x.serverCpu())).put("clientRssBytes", x.clientRss())
        .put("serverRssBytes", x.serverRss()).put("backgroundCores", num(x.background())).put("note", x.note());
  }

  private static Double num(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : Math.round(d * 1000) / 1000.0;
  }

  static String markdown(JsonObject meta, List<Scenario> scenarios, List<MemoryPoint> memory, Map<String, String> configs,
      Map<String, String> charts) {
    StringBuilder b = new StringBuilder();
    b.append("# Shardline end-to-end benchmark (`bin/shardline bench`)\n\n");
    b.append("- Profile: **").append(meta.getString("profile")).append("**, ").append(meta.getInteger("runs"))
        .append(" run(s) per case, cases alternated (order rotated each repetition)\n");
    b.append("- Machine: ").append(meta.getString("machine")).append('\n');
    b.append("- Started ").append(meta.getString("started")).append(", took ").append(meta.getLong("seconds"))
        .append(" s; git ").append(meta.getString("git")).append('\n');
    b.append("- Units: MB = 10^6 B, GB = 10^9 B, Gbit/s = MB/s × 8 / 1000. CPU-s/GB = CPU seconds of the client tree "
        + "and the tool's servers (utime+stime+cutime+cstime from /proc) per GB moved. RSS = peak of the summed "
        + "resident memory of the client tree / the server trees, sampled every 25 ms. Wire ratio = payload / bytes "
        + "on the wire (compressed payload; TLS overhead not counted). MB/s is over the client command's wall time "
        + "(for Shardline that includes JVM start-up); engine MB/s is Shardline's own clock from its JSON summary "
        + "(connect to verified, without JVM start-up). Ratio columns: this row's median MB/s over "
        + "the peer's median MB/s on the same set in the same run. Destination: ext4 directory in the page cache, "
        + "no fsync; sources in the page cache.\n\n");
    for (Scenario sc : scenarios) {
      b.append("## ").append(sc.id).append(": ").append(sc.description).append("\n\n");
      for (String s : sc.skipped) {
        b.append("- skipped: ").append(s).append('\n');
      }
      if (!sc.skipped.isEmpty()) {
        b.append('\n');
      }
      for (SetResult s : sc.sets) {
        b.append("### ").append(s.set.id()).append(": ").append(s.set.description()).append(" (")
            .append(s.set.files().size()).append(" files, ").append(String.format("%,d", s.set.bytes())).append(" B)\n\n");
        b.append("| Case | MB/s | Gbit/s | min–max MB/s | engine MB/s | CPU-s/GB (client + server) | RSS client MiB | RSS server MiB | wire ratio |");
        PEERS.values().forEach(p -> b.append(' ').append(p).append(" |"));
        b.append(" runs |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        PEERS.values().forEach(p -> b.append("--:|"));
        b.append("---|\n");
        for (CaseResult r : s.cases.values()) {
          b.append("| ").append(esc(r.c.label())).append(" | ").append(f(r.mbps(), 0)).append(" | ")
              .append(f(r.mbps() * 8 / 1000, 2)).append(" | ").append(f(r.min(RunResult::mbPerSecond), 0)).append("–")
              .append(f(r.max(RunResult::mbPerSecond), 0)).append(" | ").append(f(r.median(RunResult::innerMbPerSecond), 0))
              .append(" | ").append(f(r.median(RunResult::cpuPerGb), 2)).append(" (")
              .append(f(r.median(RunResult::clientCpuPerGb), 2)).append(" + ").append(f(r.median(RunResult::serverCpuPerGb), 2))
              .append(")")
              .append(" | ").append(f(r.max(RunResult::clientRss) / 1048576, 0)).append(" | ")
              .append(r.c.tool().equals("pipeline") ? "(in client)" : f(r.max(RunResult::serverRss) / 1048576, 0))
              .append(" | ").append(f(r.median(RunResult::wireRatio), 3)).append(" |");
          for (String p : PEERS.keySet()) {
            b.append(' ').append(r.c.shardline() ? f(r.mbps() / s.peer(p), 2) : "").append(" |");
          }
          List<String> notes = new ArrayList<>();
          if (r.skipped != null) {
            notes.add("skipped: " + esc(r.skipped));
          } else {
            notes.add(r.good().size() + "/" + r.runs.size() + " ok");
          }
          if (r.noisy()) {
            notes.add("NOISY");
          }
          r.runs.stream().filter(x -> !x.ok()).findFirst().ifPresent(x -> notes.add("failed: " + esc(x.note())));
          b.append(' ').append(String.join("; ", notes)).append(" |\n");
        }
        b.append('\n');
        compression(b, s);
        String chart = charts.get(sc.id + "/" + s.set.id());
        if (chart != null) {
          b.append("![").append(sc.id).append(' ').append(s.set.id()).append("](").append(chart).append(")\n\n");
        }
      }
      bestPeers(b, sc);
      headToHead(b, sc, charts.get(sc.id + "/head-to-head"));
      String cpu = charts.get(sc.id + "/cpu");
      if (cpu != null) {
        b.append("![CPU per GB, ").append(sc.id).append("](").append(cpu).append(")\n\n");
      }
    }
    if (!memory.isEmpty()) {
      b.append("## Memory flatness: sparse files pulled with 4 lanes, no compression\n\n");
      b.append("| Size | MB/s | peak RSS client MiB | peak RSS server MiB | result |\n|--:|--:|--:|--:|---|\n");
      for (MemoryPoint m : memory) {
        RunResult x = m.run();
        b.append("| ").append(m.mib() >= 1024 ? (m.mib() / 1024) + " GiB" : m.mib() + " MiB").append(" | ")
            .append(x.ok() ? f(x.mbPerSecond(), 0) : "-").append(" | ").append(f(x.clientRss() / 1048576.0, 0))
            .append(" | ").append(f(x.serverRss() / 1048576.0, 0)).append(" | ").append(x.ok() ? "ok" : esc(x.note()))
            .append(" |\n");
      }
      b.append('\n');
      if (charts.containsKey("memory")) {
        b.append("![RSS vs size](").append(charts.get("memory")).append(")\n\n");
      }
    }
    b.append("## How each tool was run\n\n");
    configs.forEach((k, v) -> b.append("- **").append(k).append("**: ").append(v).append('\n'));
    return b.toString();
  }

  /**
   * The fastest unlimited Shardline case of a set against its fastest transfer peer (curl,
   * aria2c, rsync, the pipeline; not iperf3, the TCP ceiling), both by median MB/s.
   *
   * @param ratio Shardline's MB/s over the peer's
   * @param cpuRatio Shardline's CPU-s/GB over the peer's (below 1: Shardline spends less)
   */
  record BestPeer(CaseResult shardline, CaseResult peer, double ratio, double cpuRatio) {
    static BestPeer of(SetResult s) {
      CaseResult sl = s.bestShardline();
      CaseResult p = s.bestPeer();
      if (sl == null || p == null) {
        return null;
      }
      return new BestPeer(sl, p, sl.mbps() / p.mbps(), sl.median(RunResult::cpuPerGb) / p.median(RunResult::cpuPerGb));
    }
  }

  /** The scenario's Shardline-against-best-peer table (the question engine-vs-peers.sh answered). */
  private static void bestPeers(StringBuilder b, Scenario sc) {
    List<String> rows = new ArrayList<>();
    for (SetResult s : sc.sets) {
      BestPeer bp = BestPeer.of(s);
      if (bp != null) {
        rows.add("| " + s.set.id() + " | " + esc(bp.shardline().c.label()) + " | " + f(bp.shardline().mbps(), 0) + " | "
            + esc(bp.peer().c.label()) + " | " + f(bp.peer().mbps(), 0) + " | " + f(bp.ratio(), 2) + " | "
            + f(bp.cpuRatio(), 2) + " |\n");
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    b.append("### ").append(sc.id).append(": Shardline against the best peer\n\n")
        .append("| Set | fastest Shardline case | MB/s | fastest peer | MB/s | Shardline ÷ peer | CPU-s/GB Shardline ÷ peer |\n")
        .append("|---|---|--:|---|--:|--:|--:|\n");
    rows.forEach(b::append);
    b.append('\n');
  }

  /**
   * The scenario's {@link HeadToHead} table: each comparison whose cases ran, the case's median,
   * its run 1 and the median of its later runs (a JVM server warms up), the baseline's median, and
   * the ratios; the engine ratio leaves the case's JVM start-up out.
   */
  private static void headToHead(StringBuilder b, Scenario sc, String chart) {
    List<String> rows = new ArrayList<>();
    for (SetResult s : sc.sets) {
      for (HeadToHead.Figures f : HeadToHead.on(s)) {
        String skipped = f.subject().skipped != null ? f.subject().skipped : f.baseline().skipped;
        Boolean met = f.meetsTarget();
        rows.add("| " + s.set.id() + " | " + esc(f.pair().title()) + " | " + f(f.subject().mbps(), 0) + " | "
            + f(f.subject().firstMbps(), 0) + " | " + f(f.subject().laterMbps(), 0) + " (" + f.subject().laterRuns() + ") | "
            + f(f.baseline().mbps(), 0) + " | " + f(f.baseline().laterMbps(), 0) + " | " + f(f.ratio(), 2) + " | "
            + f(f.laterRatio(), 2) + " | " + f(f.engineRatio(), 2) + " | "
            + (Double.isNaN(f.pair().target()) ? "" : "≥ " + f(f.pair().target(), 2) + (met == null ? "" : met ? " met" : " NOT met"))
            + " | " + (skipped == null ? "" : "skipped: " + esc(skipped)) + " |\n");
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    b.append("### ").append(sc.id).append(": head to head\n\n")
        .append("MB/s by wall clock (a JVM's start-up included); run 1 apart from the median of runs 2..n (their count in "
            + "brackets): a long-running server warms up, and run 1 of a scenario's first set meets its cold JIT. "
            + "Ratio: case ÷ baseline by median; after run 1: the same over runs 2..n; engine: the case's own clock "
            + "(no JVM start-up) ÷ the baseline's wall clock.\n\n")
        .append("| Set | comparison | case MB/s | run 1 | runs 2..n | baseline MB/s | baseline runs 2..n | ratio | "
            + "ratio after run 1 | engine ratio | target | note |\n")
        .append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n");
    rows.forEach(b::append);
    b.append('\n');
    if (chart != null) {
      b.append("![head to head, ").append(sc.id).append("](").append(chart).append(")\n\n");
    }
  }

  /**
   * A set's compression table when Shardline ran it in more than one mode (the questions
   * compression.sh answered): time by the engine's clock, wire ratio, the codec mix, and the
   * speed-up over compression none with the same lanes and rate limit.
   */
  private static void compression(StringBuilder b, SetResult s) {
    List<CaseResult> sl = s.cases.values().stream().filter(r -> r.c.shardline()).toList();
    if (sl.stream().map(r -> r.c.compression()).distinct().count() < 2) {
      return;
    }
    b.append("Compression on ").append(s.set.id()).append(" (engine seconds: Shardline's own clock, without JVM start-up; "
        + "speed-up: the same lanes and rate limit with compression none ÷ this row, by engine seconds):\n\n");
    b.append("| Case | engine s | min–max s | wire ratio | speed-up vs none | codec chunks (first good run) |\n")
        .append("|---|--:|--:|--:|--:|---|\n");
    for (CaseResult r : sl) {
      b.append("| ").append(esc(r.c.label())).append(" | ").append(f(r.engineSeconds(), 3)).append(" | ")
          .append(f(r.min(RunResult::innerSeconds), 3)).append("–").append(f(r.max(RunResult::innerSeconds), 3)).append(" | ")
          .append(f(r.median(RunResult::wireRatio), 3)).append(" | ")
          .append(r.c.compression().equals("none") ? "1.00×" : f(r.speedUpOver(s.uncompressed(r.c)), 2) + "×").append(" | ")
          .append(esc(r.firstNote().replaceFirst(";.*", ""))).append(" |\n");
    }
    b.append('\n');
  }

  static String f(double v, int d) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format("%,." + d + "f", v);
  }

  private static String esc(String s) {
    String t = s.replace("|", "\\|").replace("\n", " ");
    return t.length() > 160 ? t.substring(0, 160) + "…" : t;
  }
}
