package io.shardline.gateway.testutil;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway in a child JVM ({@code shardline gateway --config FILE}, the test's class path), so a
 * test can SIGKILL, SIGSTOP and SIGCONT it; its output goes to a log file; {@link #port} is the
 * API port it printed once it listened (after joining its cluster, if it has one).
 */
public record GatewayChild(Process process, int port, Path log) implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");

  public static GatewayChild start(Path config, Path log, int timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.shardline.engine.cli.Main",
        "gateway", "--config", config.toString());
    pb.redirectErrorStream(true);
    pb.environment().put("SHARDLINE_LOG_LEVEL", "INFO");
    Process p = pb.start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (Exception e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("gateway exited before listening"));
    });
    reader.setDaemon(true);
    reader.start();
    try {
      return new GatewayChild(p, port.get(timeoutSeconds, TimeUnit.SECONDS), log);
    } catch (Exception e) {
      p.destroyForcibly();
      throw new AssertionError("gateway did not start; log:\n" + (Files.exists(log) ? Files.readString(log) : ""), e);
    }
  }

  /** Sends a signal by the process's PID ({@code STOP}, {@code CONT}). */
  public void signal(String name) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (k.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() throws Exception {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      signal("CONT"); // a stopped process takes no SIGKILL until it runs again on some kernels' views; be sure
      kill();
    }
  }
}
