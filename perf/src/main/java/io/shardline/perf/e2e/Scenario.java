package io.shardline.perf.e2e;

import java.util.ArrayList;
import java.util.List;

/** Results of one network scenario (loopback or an emulated link). */
final class Scenario {
  final String id;
  final String description;
  final List<SetResult> sets = new ArrayList<>();
  final List<String> skipped = new ArrayList<>();

  Scenario(String id, String description) {
    this.id = id;
    this.description = description;
  }
}
