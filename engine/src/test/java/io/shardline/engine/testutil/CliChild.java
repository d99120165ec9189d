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
 *
 * <p>For tests the child starts fast: C1 only, DEBUG logs. A benchmark runs the CLI as the user
 * does ({@code -Dshardline.child=launcher}): {@code bin/shardline} itself (its jar, rebuilt by it
 * when stale, its JDK choice and AOT cache, its JVM flags), INFO logs, with {@code JAVA_HOME} set
 * to {@code -Dshardline.child.java} when given; another main class of the test's classpath (a peer
 * tool) then gets the launcher's JVM flags on that JDK.
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
    if (!"launcher".equals(System.getProperty("shardline.child"))) {
      return startMain(log, env, "io.shardline.engine.cli.Main", args);
    }
    Path launcher = Path.of("..", "bin", "shardline").toAbsolutePath().normalize(); // tests run in their module
    List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.equals("HADOOP_CONF_DIR")
        || k.equals("SHARDLINE_JAVA_OPTS"));
    String java = System.getProperty("shardline.child.java");
    if (java != null) {
      pb.environment().put("JAVA_HOME", java);
    }
    pb.environment().putAll(env);
    return new CliChild(pb.start(), log);
  }

  /** Another main class of the test's classpath in a child JVM like the CLI's (a peer tool for a benchmark). */
  public static CliChild startMain(Path log, Map<String, String> env, String mainClass, String... args)
      throws Exception {
    boolean launcher = "launcher".equals(System.getProperty("shardline.child"));
    String home = launcher ? System.getProperty("shardline.child.java", System.getProperty("java.home"))
        : System.getProperty("java.home"); // a peer tool in a benchmark: the launcher's flags on its JDK
    List<String> cmd = new ArrayList<>(List.of(Path.of(home, "bin", "java").toString()));
    cmd.addAll(launcher ? launcherFlags(home, args.length > 0 ? args[0] : "") : List.of("-Xmx384m", "-XX:TieredStopAtLevel=1"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.equals("HADOOP_CONF_DIR"));
    pb.environment().putAll(env);
    pb.environment().put("SHARDLINE_LOG_LEVEL", launcher ? "INFO" : "DEBUG");
    return new CliChild(pb.start(), log);
  }

  /** The JVM flags {@code bin/shardline} gives {@code command} on the JDK at {@code home}. */
  static List<String> launcherFlags(String home, String command) throws Exception {
    int major = javaMajor(Path.of(home));
    List<String> flags = new ArrayList<>(List.of("-XX:+UseParallelGC", "-Xms64m", "-Xmx512m",
        "-XX:MaxDirectMemorySize=512m", "-Dio.netty.tryReflectionSetAccessible=true",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
    if (major >= 22 && (command.equals("pull") || command.equals("demo"))) {
      flags.add("-XX:TieredStopAtLevel=1");
    }
    if (major >= 24) {
      flags.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
    }
    return flags;
  }

  /** The feature release of the JDK at {@code home}, from its {@code release} file. */
  private static int javaMajor(Path home) throws Exception {
    Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(home.resolve("release")));
    if (!m.find()) {
      throw new IllegalStateException(home + "/release names no JAVA_VERSION");
    }
    return Integer.parseInt(m.group(1));
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
