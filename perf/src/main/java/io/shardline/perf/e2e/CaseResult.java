package io.shardline.perf.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A case's runs on one data set, and their summary: medians and min–max over the good runs; run 1
 * apart from the later runs, for servers that warm up over a scenario.
 */
final class CaseResult {
  final Case c;
  final List<RunResult> runs = new ArrayList<>();
  /** Why the case did not run on this set (its tool could not serve it), or null. */
  String skipped;

  CaseResult(Case c) {
    this.c = c;
  }

  List<RunResult> good() {
    return runs.stream().filter(RunResult::ok).toList();
  }

  double median(ToDoubleFunction<RunResult> f) {
    return median(good().stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).toArray());
  }

  double min(ToDoubleFunction<RunResult> f) {
    return good().stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN);
  }

  double max(ToDoubleFunction<RunResult> f) {
    return good().stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
  }

  double mbps() {
    return median(RunResult::mbPerSecond);
  }

  /** MB/s of run 1 when it succeeded, else NaN. */
  double firstMbps() {
    return good().stream().filter(r -> r.rep() == 1).mapToDouble(RunResult::mbPerSecond).findFirst().orElse(Double.NaN);
  }

  /** Median MB/s of the good runs after run 1 (NaN when there are none). */
  double laterMbps() {
    return median(good().stream().filter(r -> r.rep() > 1).mapToDouble(RunResult::mbPerSecond).toArray());
  }

  /** Good runs after run 1. */
  long laterRuns() {
    return good().stream().filter(r -> r.rep() > 1).count();
  }

  /** Median seconds by the tool's own clock (Shardline's JSON), or by wall time when it has none. */
  double engineSeconds() {
    double s = median(RunResult::innerSeconds);
    return Double.isNaN(s) ? median(RunResult::seconds) : s;
  }

  /** How many times faster than the baseline by {@link #engineSeconds()}: above 1 is faster. */
  double speedUpOver(CaseResult baseline) {
    return baseline == null ? Double.NaN : baseline.engineSeconds() / engineSeconds();
  }

  /** The first good run's note (Shardline: its codec chunk counts), or "". */
  String firstNote() {
    return good().stream().map(RunResult::note).findFirst().orElse("");
  }

  boolean noisy() {
    return runs.stream().anyMatch(r -> r.background() > Runner.QUIET_CORES);
  }

  static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
