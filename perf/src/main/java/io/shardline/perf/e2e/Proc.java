package io.shardline.perf.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads Linux {@code /proc}: CPU ticks and resident memory of process trees. A tree is a root pid
 * and every live descendant (by parent pid); a process that has exited and been reaped counts
 * through its parent's {@code cutime}/{@code cstime}, so the sum over a tree never loses a reaped
 * child and never counts one twice.
 */
final class Proc {
  /** Clock ticks per second ({@code getconf CLK_TCK}); 100 on every Linux we run on. */
  static final double HZ = clkTck();
  static final long PAGE = 4096;

  private Proc() {}

  /** One process's {@code /proc/PID/stat} fields we use. */
  record Stat(int pid, int ppid, long ownTicks, long childTicks) {
    long ticks() {
      return ownTicks + childTicks;
    }
  }

  /** Parses one {@code /proc/PID/stat} line (the command name may hold spaces and parentheses). */
  static Stat parse(int pid, String line) {
    String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
    // f[0]=state f[1]=ppid ... f[11]=utime f[12]=stime f[13]=cutime f[14]=cstime
    return new Stat(pid, Integer.parseInt(f[1]),
        Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14]));
  }

  static Stat stat(int pid) {
    try {
      return parse(pid, Files.readString(Path.of("/proc", Integer.toString(pid), "stat")).trim());
    } catch (IOException | RuntimeException e) {
      return null; // gone
    }
  }

  /** Every live process's stat, by pid. */
  static Map<Integer, Stat> all() {
    Map<Integer, Stat> m = new HashMap<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      s.forEach(p -> {
        String n = p.getFileName().toString();
        if (!n.isEmpty() && Character.isDigit(n.charAt(0))) {
          Stat st = stat(Integer.parseInt(n));
          if (st != null) {
            m.put(st.pid(), st);
          }
        }
      });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return m;
  }

  /** The root and its live descendants, from a snapshot of {@link #all()}. */
  static Set<Integer> tree(Map<Integer, Stat> all, int root) {
    Map<Integer, List<Integer>> kids = new HashMap<>();
    for (Stat s : all.values()) {
      kids.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s.pid());
    }
    Set<Integer> out = new HashSet<>();
    ArrayDeque<Integer> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      int p = todo.pop();
      if (all.containsKey(p) && out.add(p)) {
        todo.addAll(kids.getOrDefault(p, List.of()));
      }
    }
    return out;
  }

  /** utime+stime+cutime+cstime summed over a tree, in ticks. */
  static long treeTicks(int root) {
    Map<Integer, Stat> all = all();
    long t = 0;
    for (int p : tree(all, root)) {
      t += all.get(p).ticks();
    }
    return t;
  }

  /** Resident set size of one process in bytes (0 if gone), from {@code /proc/PID/statm}. */
  static long rss(int pid) {
    try {
      String[] f = Files.readString(Path.of("/proc", Integer.toString(pid), "statm")).trim().split(" ");
      return Long.parseLong(f[1]) * PAGE;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Machine-wide busy and total jiffies from {@code /proc/stat}, for the quiet gate. */
  static long[] cpuJiffies() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      long total = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i != 4 && i != 5) { // idle, iowait
          busy += v;
        }
      }
      return new long[] {busy, total};
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/stat", e);
    }
  }

  private static double clkTck() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Double.parseDouble(s);
    } catch (IOException | NumberFormatException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
