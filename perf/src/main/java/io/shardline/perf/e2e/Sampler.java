package io.shardline.perf.e2e;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * Samples the resident memory of process trees every {@value #PERIOD_MS} ms on its own thread and
 * keeps each tree's peak (the sum of its processes' RSS at one instant). A run's trees are the
 * client (a wrapper shell and everything under it) and each server the tool talks to.
 */
final class Sampler implements AutoCloseable {
  static final long PERIOD_MS = 25;

  private final Map<String, IntSupplier> roots;
  private final Map<String, Long> peaks = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  Sampler(Map<String, IntSupplier> roots) {
    this.roots = roots;
    this.thread = new Thread(this::loop, "bench-rss-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      sample();
      try {
        Thread.sleep(PERIOD_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sample() {
    Map<Integer, Proc.Stat> all = Proc.all();
    roots.forEach((name, root) -> {
      int pid = root.getAsInt();
      if (pid <= 0) {
        return;
      }
      long sum = 0;
      for (int p : Proc.tree(all, pid)) {
        sum += Proc.rss(p);
      }
      peaks.merge(name, sum, Math::max);
    });
  }

  /** Peak RSS in bytes of the named tree so far (0 if never seen). */
  long peak(String name) {
    return peaks.getOrDefault(name, 0L);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
