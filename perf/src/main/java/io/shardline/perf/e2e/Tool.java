package io.shardline.perf.e2e;

import java.nio.file.Path;
import java.util.List;

/**
 * A transfer tool with its servers. Lifecycle per scenario: {@link #start} (long-lived servers),
 * then per data set {@link #beginSet}, runs, {@link #endSet}; finally {@link #close}, which stops
 * every process the tool started, by pid.
 */
interface Tool extends AutoCloseable {
  String id();

  /** Null when every program the tool needs is installed, else what is missing. */
  String missing();

  /** How the tool is configured, for the report. */
  String config();

  void start(Net net) throws Exception;

  default void beginSet(DataSet set) throws Exception {}

  default void endSet() {}

  List<Case> cases(Profile profile, DataSet set);

  Invocation invocation(Case c, DataSet set, Path dest) throws Exception;

  /** Servers whose CPU and memory count for this tool's runs. */
  List<Managed> servers();

  @Override
  void close();

  /** True when the program is on PATH (or an absolute path that exists). */
  static boolean installed(String program) {
    if (program.startsWith("/")) {
      return java.nio.file.Files.isExecutable(Path.of(program));
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
    for (String d : path.split(":")) {
      if (!d.isEmpty() && java.nio.file.Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  /** The first line a version command prints (stdout or stderr), or "PROGRAM ?" when it fails. */
  static String version(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      String first = out.lines().findFirst().orElse("").replace("nginx version: ", "");
      return first.isEmpty() ? argv.get(0) + " ?" : first.length() > 60 ? first.substring(0, 60) : first;
    } catch (java.io.IOException e) {
      return argv.get(0) + " ?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return argv.get(0) + " ?";
    }
  }

  static String missingOf(String... programs) {
    List<String> m = java.util.Arrays.stream(programs).filter(p -> !installed(p)).toList();
    return m.isEmpty() ? null : "not installed: " + String.join(", ", m);
  }
}
