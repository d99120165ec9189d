package io.shardline.perf.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** A case's runs on one data set, and their summary: medians and min–max over the good runs. */
final class CaseResult {
  final Case c;
  final List<RunResult> runs = new ArrayList<>();

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
