package io.shardline.perf.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * A case against the one baseline it was built to be compared with, on the same set in the same
 * run: the node's HTTPS front against nginx, pulled by the same curl command line (into the
 * destination, and to {@code /dev/null}), and Shardline's HTTPS client against aria2c -x4 -s4,
 * both from nginx. The ratio is the case's median MB/s over the baseline's; because a long-running
 * JVM server warms up, the ratio of the medians after run 1 is given too.
 *
 * @param id short name in results.json
 * @param title the row's title
 * @param caseId the case measured
 * @param baselineId the case it is compared with
 * @param target the ratio the issue asks for (NaN: none)
 */
record HeadToHead(String id, String title, String caseId, String baselineId, double target) {

  static final List<HeadToHead> ALL = List.of(
      new HeadToHead("node-vs-nginx", "node HTTPS ÷ nginx HTTPS, same curl, into DEST", "node-curl", "curl", 0.9),
      new HeadToHead("node-vs-nginx-devnull", "node HTTPS ÷ nginx HTTPS, same curl, to /dev/null", "node-curl-devnull",
          "curl-devnull", 0.9),
      new HeadToHead("pull-https-vs-aria2c", "shardline pull https:// ÷ aria2c -x4 -s4, both from nginx",
          "shardline-https-l" + HttpsPullTool.LANES, "aria2c-x4", Double.NaN));

  /**
   * One comparison's figures on a set.
   *
   * @param ratio the case's median MB/s over the baseline's
   * @param laterRatio the same over the runs after run 1 (NaN with fewer than two runs)
   * @param engineRatio the case's median MB/s by its own clock (JVM start-up left out) over the
   *     baseline's wall-clock MB/s (NaN when the case reports no clock of its own)
   */
  record Figures(HeadToHead pair, CaseResult subject, CaseResult baseline, double ratio, double laterRatio,
      double engineRatio) {

    /** Whether the target is met by the ratio after run 1 (or by the ratio when there is none); null without a target. */
    Boolean meetsTarget() {
      if (Double.isNaN(pair.target())) {
        return null;
      }
      double r = Double.isNaN(laterRatio) ? ratio : laterRatio;
      return Double.isNaN(r) ? null : r >= pair.target();
    }
  }

  /** The figures, or null when either case did not run on this set. */
  Figures of(SetResult s) {
    CaseResult a = s.cases.get(caseId);
    CaseResult b = s.cases.get(baselineId);
    if (a == null || b == null) {
      return null;
    }
    return new Figures(this, a, b, a.mbps() / b.mbps(), a.laterMbps() / b.laterMbps(),
        a.median(RunResult::innerMbPerSecond) / b.mbps());
  }

  /** Every comparison whose two cases ran (or were skipped) on this set. */
  static List<Figures> on(SetResult s) {
    List<Figures> out = new ArrayList<>();
    for (HeadToHead h : ALL) {
      Figures f = h.of(s);
      if (f != null) {
        out.add(f);
      }
    }
    return out;
  }
}
