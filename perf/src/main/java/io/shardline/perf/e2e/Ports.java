package io.shardline.perf.e2e;

import java.util.List;

/** Waits until a server listens, seen from inside its namespace with {@code ss}. */
final class Ports {
  private Ports() {}

  static void await(Net net, int port, Managed server, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!server.process.isAlive()) {
        break;
      }
      if (listening(net, port)) {
        return;
      }
      Thread.sleep(50);
    }
    String why = ShardlineTool.tail(server.output() + server.errors());
    server.close();
    throw new IllegalStateException(what + " did not start listening on port " + port + ": " + why);
  }

  static boolean listening(Net net, int port) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(net.server(List.of("ss", "-Hltn", "sport = :" + port))).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      return !out.isBlank();
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
