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

  /** The peer's median MB/s, NaN when the peer did not run or failed. */
  double peer(String caseId) {
    CaseResult r = cases.get(caseId);
    return r == null ? Double.NaN : r.mbps();
  }

  /** The fastest Shardline case by median MB/s, or null. */
  CaseResult bestShardline() {
    return cases.values().stream().filter(r -> r.c.shardline() && !Double.isNaN(r.mbps()))
        .max(java.util.Comparator.comparingDouble(CaseResult::mbps)).orElse(null);
  }
}
