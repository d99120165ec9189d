package io.shardline.perf.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One line describing the machine (CPU, cores, memory, kernel, JVM) and the git commit. */
final class Machine {
  private Machine() {}

  static String describe() {
    String cpu = "?";
    String mem = "?";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
      mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
          .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024 / 1024 + " GiB").orElse("?");
    } catch (IOException e) {
      // leave "?"
    }
    return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + mem + " RAM, Linux "
        + System.getProperty("os.version") + ", Java " + System.getProperty("java.version");
  }

  static String git(Path repo) {
    try {
      Process p = new ProcessBuilder("git", "-C", repo.toString(), "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? s : "unknown";
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }
}
