package io.shardline.gateway.soak;

import io.shardline.engine.tls.Fingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code shardline serve} in a child JVM (the test class path, {@code bin/shardline}'s JVM flags),
 * on 127.0.0.1 and a port the OS picks, so its peak RSS can be read from
 * {@code /proc/PID/status}. Stopped by its PID.
 */
final class ServeChild implements AutoCloseable {
  /**
   * The JVM flags of {@code bin/shardline}'s {@code DEFAULT_OPTS} (keep in step): the soak
   * measures the memory of the server as operators run it.
   */
  static final List<String> JVM_FLAGS = List.of("-XX:+UseParallelGC", "-Xms64m", "-Xmx512m",
      "-XX:MaxDirectMemorySize=512m", "-Dio.netty.tryReflectionSetAccessible=true",
      "--add-opens", "java.base/java.nio=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");
  private static final Pattern BANNER = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) fingerprint (\\S+)");

  final Process process;
  final int port;
  final Fingerprint fingerprint;
  final Path log;

  private ServeChild(Process process, int port, Fingerprint fingerprint, Path log) {
    this.process = process;
    this.port = port;
    this.fingerprint = fingerprint;
    this.log = log;
  }

  /** Starts {@code serve --root root} with a token file; waits (bounded) for its banner. */
  static ServeChild start(Path root, Path state, Path tokenFile, Path log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_FLAGS);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.shardline.engine.cli.Main", "serve",
        "--root", root.toString(), "--listen", "127.0.0.1:0", "--state-dir", state.toString(),
        "--token-file", tokenFile.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MALLOC_ARENA_MAX", "2"); // as bin/shardline sets it
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try {
      while (System.nanoTime() < deadline && p.isAlive()) {
        Matcher m = BANNER.matcher(Files.readString(log));
        if (m.find()) {
          return new ServeChild(p, Integer.parseInt(m.group(1)), Fingerprint.parse(m.group(2)), log);
        }
        Thread.sleep(20); // polling the child's log for its banner, bounded by the deadline
      }
    } catch (Exception | Error e) {
      p.destroyForcibly();
      throw e;
    }
    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    throw new AssertionError("serve did not print its 'listening on' line within 60 s: " + Files.readString(log));
  }

  long pid() {
    return process.pid();
  }

  /** Peak resident set (VmHWM) of the child, in KiB; -1 once it has exited. */
  long peakRssKiB() {
    return statusKiB(Path.of("/proc", Long.toString(pid()), "status"), "VmHWM:");
  }

  /** The test JVM's own peak resident set, in KiB. */
  static long selfPeakRssKiB() {
    return statusKiB(Path.of("/proc/self/status"), "VmHWM:");
  }

  private static long statusKiB(Path status, String key) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** SIGTERM by PID, then SIGKILL if it has not exited within 10 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
