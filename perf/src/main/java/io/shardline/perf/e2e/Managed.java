package io.shardline.perf.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the benchmark started (a server or a client wrapper), with its output in files. It is
 * stopped by pid: the whole tree, children first, TERM then KILL after 3 s.
 */
final class Managed implements AutoCloseable {
  final String name;
  final Process process;
  final Path out;
  final Path err;

  private Managed(String name, Process process, Path out, Path err) {
    this.name = name;
    this.process = process;
    this.out = out;
    this.err = err;
  }

  static Managed start(String name, List<String> argv, Path logDir, Map<String, String> env) throws IOException {
    Files.createDirectories(logDir);
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    Path out = logDir.resolve(safe + ".out");
    Path err = logDir.resolve(safe + ".err");
    ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    return new Managed(name, pb.start(), out, err);
  }

  int pid() {
    return process.isAlive() ? (int) process.pid() : -1;
  }

  String output() {
    return read(out);
  }

  String errors() {
    return read(err);
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits for exit; on timeout stops the tree and returns -1. */
  int await(long seconds) throws InterruptedException {
    if (process.waitFor(seconds, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    close();
    return -1;
  }

  @Override
  public void close() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    for (ProcessHandle h : tree) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          h.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (Exception e) {
        // still alive: killed below
      }
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
