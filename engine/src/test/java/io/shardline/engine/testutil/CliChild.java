package io.shardline.engine.testutil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code shardline} in a child JVM (the test's classpath), its output in a log; stopped by PID.
 * The child sees no store credentials or Hadoop config of the machine's ({@code AWS_*},
 * {@code HADOOP_CONF_DIR}): only what the test passes in {@code env}.
 */
public final class CliChild implements AutoCloseable {
  private static final Pattern BANNER = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) fingerprint (sha256:[0-9a-f]+)");

  public final Process process;
  public final Path log;

  private CliChild(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static CliChild start(Path log, Map<String, String> env, String... args) throws Exception {
    return startMain(log, env, "io.shardline.engine.cli.Main", args);
  }

  /** Another main class of the test's classpath in a child JVM like the CLI's (a peer tool for a benchmark). */
  public static CliChild startMain(Path log, Map<String, String> env, String mainClass, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.equals("HADOOP_CONF_DIR"));
    pb.environment().putAll(env);
    pb.environment().put("SHARDLINE_LOG_LEVEL", "DEBUG");
    return new CliChild(pb.start(), log);
  }

  /** Runs to the end (bounded) and returns the exit code. */
  public int await(int seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      close();
      throw new AssertionError("still running after " + seconds + " s: " + output());
    }
    return process.exitValue();
  }

  public String output() throws Exception {
    return Files.readString(log);
  }

  /** For a {@code serve}: waits (bounded) for its banner and returns {port, fingerprint}. */
  public String[] banner() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && process.isAlive()) {
      Matcher m = BANNER.matcher(output());
      if (m.find()) {
        return new String[] {m.group(1), m.group(2)};
      }
      Thread.sleep(50); // polling the child's log, bounded by the deadline
    }
    throw new AssertionError("serve did not start: " + output());
  }

  @Override
  public void close() throws Exception {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
