package io.shardline.perf.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What every tool needs to set itself up: a work directory for configurations and logs, the
 * destination directory (emptied before every run), the TLS certificate shared by every HTTPS/TLS
 * peer, the command that runs Shardline, and the per-command time limit.
 *
 * @param work configurations, keys, server logs
 * @param dest destination of every transfer (an ext4 page cache directory, no fsync)
 * @param cert self-signed P-256 certificate for 127.0.0.1/localhost/10.203.0.1 (PEM)
 * @param key its private key (PEM)
 * @param shardline argv prefix that runs the Shardline CLI ({@code bin/shardline} normally)
 * @param timeoutSeconds limit for any one command
 * @param log progress
 */
record Env(Path work, Path dest, Path cert, Path key, List<String> shardline, long timeoutSeconds, Log log) {

  /** Environment of every process started: the launcher must not rebuild inside a measurement. */
  static final Map<String, String> CHILD_ENV = Map.of("SHARDLINE_SKIP_BUILD", "1");

  /** A port free on the loopback interface now (a namespace of our own has every port free). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  Path logs() {
    return work.resolve("logs");
  }
}
