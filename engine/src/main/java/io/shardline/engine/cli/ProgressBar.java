package io.shardline.engine.cli;

import io.shardline.engine.lane.TransferCounters;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress display on a terminal: bar, bytes, percent, rate (Gbit/s and MB/s), ETA.
 * Rate is measured over the last few seconds. Pure formatting in {@link #render}; the caller
 * decides when to draw.
 */
final class ProgressBar {
  private static final int WIDTH = 28;
  private final PrintStream out;
  private final TransferCounters c;
  private final long startNanos = System.nanoTime();
  private long lastBytes;
  private long lastNanos = startNanos;
  private double rate;

  ProgressBar(PrintStream out, TransferCounters counters) {
    this.out = out;
    this.c = counters;
  }

  void draw() {
    long now = System.nanoTime();
    long done = c.bytesDone.sum();
    double dt = (now - lastNanos) / 1e9;
    if (dt >= 0.2) {
      double inst = (done - lastBytes) / dt;
      rate = rate == 0 ? inst : 0.7 * rate + 0.3 * inst;
      lastBytes = done;
      lastNanos = now;
    }
    out.print("\r" + render(done + c.bytesResumed.sum(), c.bytesTotal, rate, c.activeLanes.intValue()) + "\u001b[K");
    out.flush();
  }

  void clear() {
    out.print("\r\u001b[K");
    out.flush();
  }

  static String render(long done, long total, double bytesPerSecond, int lanes) {
    double frac = total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    int full = (int) Math.round(frac * WIDTH);
    String bar = "#".repeat(full) + "-".repeat(WIDTH - full);
    String eta = bytesPerSecond > 0 && total > done ? eta((total - done) / bytesPerSecond) : "--:--";
    return String.format(Locale.ROOT, "[%s] %s / %s %5.1f%%  %.2f Gbit/s  %.0f MB/s  ETA %s  lanes %d",
        bar, Sizes.human(done), Sizes.human(total), frac * 100, bytesPerSecond * 8 / 1e9, bytesPerSecond / 1e6, eta, lanes);
  }

  private static String eta(double seconds) {
    long s = (long) Math.ceil(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
  }
}
