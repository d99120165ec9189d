package io.shardline.perf.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * Runs one case once: empties the destination, waits (bounded) for a quiet machine, runs the
 * client under a wrapper shell that writes its own {@code /proc/self/stat} after the client exits
 * (its {@code cutime}/{@code cstime} then hold the CPU of the whole client tree), samples RSS of
 * client and servers, reads the servers' CPU from {@code /proc} before and after, and checks the
 * destination against the data set (sampled, or every byte: {@link #verify}).
 */
final class Runner {
  /** Before each run, wait until other load falls to this many cores (bounded: see the constructor). */
  static final double QUIET_CORES = 0.25;

  private static final String WRAP = "\"$@\"; rc=$?; read -r l </proc/$$/stat; printf '%s\\n' \"$l\" >\"$BENCH_STAT\"; exit $rc";

  private final Env env;
  private final double quietMaxSeconds;
  private final int ncpu = Runtime.getRuntime().availableProcessors();
  private double quietSpent;

  /** @param quietMaxSeconds longest wait for a quiet machine before one run (0: never wait) */
  Runner(Env env, double quietMaxSeconds) {
    this.env = env;
    this.quietMaxSeconds = quietMaxSeconds;
  }

  RunResult run(Tool tool, Case c, DataSet set, int rep) throws Exception {
    return run(tool, c, set, rep, false);
  }

  /** @param verifyAll check every byte of the destination and that it holds no extra file */
  RunResult run(Tool tool, Case c, DataSet set, int rep, boolean verifyAll) throws Exception {
    Path dest = env.dest();
    DataSets.deleteTree(dest);
    Files.createDirectories(dest);
    double bg = quietGate();
    Invocation inv = tool.invocation(c, set, dest);
    List<Managed> servers = tool.servers();
    List<Set<Integer>> kidsBefore = new ArrayList<>();
    long serverTicks0 = 0;
    for (Managed s : servers) {
      serverTicks0 += Proc.treeTicks(s.pid());
      kidsBefore.add(Proc.tree(Proc.all(), s.pid()));
    }
    Path stat = env.work().resolve("client.stat");
    Files.deleteIfExists(stat);
    List<String> argv = new ArrayList<>(List.of("bash", "-c", WRAP, "bench-wrap"));
    argv.addAll(inv.argv());
    Map<String, String> childEnv = new HashMap<>(Env.CHILD_ENV);
    childEnv.put("BENCH_STAT", stat.toString());
    long t0 = System.nanoTime();
    Managed client = Managed.start("client", argv, env.logs(), childEnv);
    int clientPid = (int) client.process.pid();
    Map<String, IntSupplier> roots = new LinkedHashMap<>();
    roots.put("client", () -> client.process.isAlive() ? clientPid : -1);
    for (int i = 0; i < servers.size(); i++) {
      Managed s = servers.get(i);
      roots.put("server" + i, s::pid);
    }
    int rc;
    long clientRss;
    long serverRss = 0;
    try (Sampler sampler = new Sampler(roots)) {
      rc = client.await(env.timeoutSeconds());
      sampler.close();
      clientRss = sampler.peak("client");
      for (int i = 0; i < servers.size(); i++) {
        serverRss += sampler.peak("server" + i);
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    settle(servers, kidsBefore);
    long serverTicks1 = 0;
    for (Managed s : servers) {
      serverTicks1 += Proc.treeTicks(s.pid());
    }
    double clientCpu = Double.NaN;
    if (Files.exists(stat)) {
      Proc.Stat st = Proc.parse(0, Files.readString(stat).trim());
      clientCpu = st.ticks() / Proc.HZ;
    }
    double serverCpu = (serverTicks1 - serverTicks0) / Proc.HZ;
    String out = client.output();
    if (rc != 0) {
      String why = rc == -1 ? "timed out after " + env.timeoutSeconds() + " s" : "exit " + rc;
      return failed(rep, wall, bg, why + ": " + ShardlineTool.tail(client.errors() + out));
    }
    Invocation.Parsed p;
    try {
      p = inv.parser().parse(out, set.bytes(), wall);
    } catch (Exception e) {
      return failed(rep, wall, bg, "unreadable output: " + e.getMessage());
    }
    String bad = inv.verify() ? verify(set, dest, verifyAll) : null;
    if (bad != null) {
      return failed(rep, wall, bg, "destination differs: " + bad);
    }
    String note = p.note();
    if (verifyAll && inv.verify()) {
      String left = leftState(dest);
      note = (note.isEmpty() ? "" : note + "; ") + "every byte verified" + (left == null ? "" : ", " + left);
    }
    return new RunResult(rep, p.bytes(), p.seconds(), p.innerSeconds(), p.wireBytes(), clientCpu, serverCpu, clientRss, serverRss, bg,
        true, note);
  }

  private static RunResult failed(int rep, double wall, double bg, String why) {
    return new RunResult(rep, 0, wall, Double.NaN, 0, Double.NaN, Double.NaN, 0, 0, bg, false, why);
  }

  /** Waits (at most 2 s) until each server has the children it had before the run (sshd reaps). */
  private static void settle(List<Managed> servers, List<Set<Integer>> before) throws InterruptedException {
    for (int t = 0; t < 40; t++) {
      boolean same = true;
      Map<Integer, Proc.Stat> all = Proc.all();
      for (int i = 0; i < servers.size(); i++) {
        same &= Proc.tree(all, servers.get(i).pid()).equals(before.get(i));
      }
      if (same) {
        return;
      }
      Thread.sleep(50);
    }
  }

  /** Shardline's resume state directory at the top of a destination: never compared. */
  static final String STATE_DIR = ".shardline";

  /**
   * Null when the destination matches the set, else why not. Sampled: every file present with its
   * size, and the first and last file byte for byte (sets up to 4 GiB). All: every file byte for
   * byte, and no file that is not in the set ({@value #STATE_DIR}/ at the top left out).
   */
  static String verify(DataSet set, Path dest, boolean all) throws IOException {
    String bad = verify(set, dest);
    if (bad != null || !all) {
      return bad;
    }
    Set<String> want = new HashSet<>(set.files());
    List<String> extra;
    try (Stream<Path> s = Files.walk(dest)) {
      extra = s.filter(f -> !f.startsWith(dest.resolve(STATE_DIR)) && Files.isRegularFile(f))
          .map(f -> dest.relativize(f).toString()).filter(r -> !want.contains(r)).sorted().limit(3).toList();
    }
    if (!extra.isEmpty()) {
      return "extra file(s) " + String.join(", ", extra);
    }
    for (String r : set.files()) {
      if (Files.mismatch(set.root().resolve(r), dest.resolve(r)) != -1) {
        return r + " differs";
      }
    }
    return null;
  }

  /** "left .shardline/ (N entries)" when the state directory is still there, else null. */
  static String leftState(Path dest) throws IOException {
    Path d = dest.resolve(STATE_DIR);
    if (!Files.exists(d)) {
      return null;
    }
    try (Stream<Path> s = Files.walk(d)) {
      return "left " + STATE_DIR + "/ (" + (s.count() - 1) + " entries)";
    }
  }

  /** Every file present with its size; the first and last file byte for byte (sets up to 4 GiB). */
  static String verify(DataSet set, Path dest) throws IOException {
    for (String r : set.files()) {
      Path d = dest.resolve(r);
      if (!Files.isRegularFile(d)) {
        return "missing " + r;
      }
      long want = Files.size(set.root().resolve(r));
      if (Files.size(d) != want) {
        return r + " has " + Files.size(d) + " bytes, not " + want;
      }
    }
    if (set.bytes() <= (4L << 30)) {
      for (String r : List.of(set.files().get(0), set.files().get(set.files().size() - 1))) {
        if (Files.mismatch(set.root().resolve(r), dest.resolve(r)) != -1) {
          return r + " differs";
        }
      }
    }
    return null;
  }

  /** Bounded wait for an idle machine; returns the cores busy in the last 0.3 s. */
  double quietGate() throws InterruptedException {
    long start = System.nanoTime();
    double busy;
    while (true) {
      long[] a = Proc.cpuJiffies();
      Thread.sleep(300);
      long[] b = Proc.cpuJiffies();
      busy = b[1] > a[1] ? ncpu * (double) (b[0] - a[0]) / (b[1] - a[1]) : 0;
      double waited = (System.nanoTime() - start) / 1e9;
      if (busy <= QUIET_CORES || waited >= quietMaxSeconds || quietSpent + waited >= 9 * quietMaxSeconds) {
        quietSpent += waited;
        return busy;
      }
      Thread.sleep(700);
    }
  }
}
