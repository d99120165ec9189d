package io.shardline.gateway.job;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A sync log (the engine's {@code SyncLog} JSON) as a job's journal keeps it: whole, except that
 * a tree of more than {@link #MAX_FILES} files keeps the files that moved, changed, went or stay
 * extra first and drops the rest of the {@code same} ones, counting them in {@code filesOmitted},
 * so one event stays far below the journal's record limit whatever the tree.
 */
final class SyncLogs {
  /** Per-file entries a journalled sync log keeps at most (about 200 bytes each). */
  static final int MAX_FILES = 10_000;

  private SyncLogs() {}

  static JsonObject forJournal(JsonObject log) {
    if (log == null) {
      return null;
    }
    JsonArray files = log.getJsonArray("files", new JsonArray());
    if (files.size() <= MAX_FILES) {
      return log;
    }
    JsonArray kept = new JsonArray();
    for (Object o : files) {
      if (kept.size() < MAX_FILES && o instanceof JsonObject f && !"same".equals(f.getString("action"))) {
        kept.add(f);
      }
    }
    for (Object o : files) {
      if (kept.size() < MAX_FILES && o instanceof JsonObject f && "same".equals(f.getString("action"))) {
        kept.add(f);
      }
    }
    return log.copy().put("files", kept).put("filesOmitted", files.size() - kept.size());
  }
}
