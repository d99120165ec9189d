package io.shardline.perf.e2e;

import java.io.PrintStream;

/** Progress lines on stderr, stamped with seconds since the start. */
final class Log {
  private final long t0 = System.nanoTime();
  private final PrintStream out;

  Log(PrintStream out) {
    this.out = out;
  }

  void info(String msg) {
    out.printf("[%4ds] %s%n", (System.nanoTime() - t0) / 1_000_000_000L, msg);
    out.flush();
  }

  double elapsedSeconds() {
    return (System.nanoTime() - t0) / 1e9;
  }
}
