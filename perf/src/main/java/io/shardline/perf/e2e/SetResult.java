package io.shardline.perf.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

/** Every case's results on one data set in one scenario, in case order. */
final class SetResult {
  final DataSet set;
  final Map<String, CaseResult> cases = new LinkedHashMap<>();

  SetResult(DataSet set) {
    this.set = set;
  }

  CaseResult of(Case c) {
    return cases.computeIfAbsent(c.id(), k -> new CaseResult(c));
  }

  /** Records that a case did not run on this set, and why (a row with no runs). */
  void skip(Case c, String why) {
    of(c).skipped = why;
  }

  /** The peer's median MB/s, NaN when the peer did not run or failed. */
  double peer(String caseId) {
    CaseResult r = cases.get(caseId);
    return r == null ? Double.NaN : r.mbps();
  }

  /** The fastest transfer peer (a {@link Report#PEERS} case other than iperf3) by median MB/s, or null. */
  CaseResult bestPeer() {
    return cases.values().stream().filter(r -> !r.c.shardline() && Report.PEERS.containsKey(r.c.id())
        && !r.c.id().equals("iperf3") && !Double.isNaN(r.mbps()))
        .max(java.util.Comparator.comparingDouble(CaseResult::mbps)).orElse(null);
  }

  /**
   * The baseline a compression mode is compared with: the Shardline case with the same lanes and
   * rate limit and compression none; null for peers, for none itself, or when none did not run.
   */
  CaseResult uncompressed(Case c) {
    if (!c.shardline() || c.compression().equals("none")) {
      return null;
    }
    CaseResult r = cases.get(Case.shardline(c.lanes(), "none", c.rateLimit()).id());
    return r == null || r.good().isEmpty() ? null : r;
  }

  /** The fastest Shardline case without a rate limit by median MB/s, or null. */
  CaseResult bestShardline() {
    return cases.values().stream().filter(r -> r.c.shardline() && r.c.rateLimit() == null && !Double.isNaN(r.mbps()))
        .max(java.util.Comparator.comparingDouble(CaseResult::mbps)).orElse(null);
  }
}
