package io.shardline.engine.sync;

import io.shardline.engine.transfer.PullResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;

/**
 * The report of one sync: the direction, source and destination, what happened to every file
 * (the plan's entries, after the pull and the deletion), totals, and the pull's own summary. As
 * one JSON object ({@link #toJson()}) or a table for people ({@link #text(LongFunction)}).
 *
 * <p>Per file, {@code bytesMoved} and {@code bytesReused} are the plan's: the bytes of the chunks
 * the destination did not hold at the same offsets, and of those it did (an upper and a lower
 * bound: a delta pull's level 2 rebuilds chunks from shifted bytes too). The pull's actual figures
 * over all files are {@code totals.bytesFetched} (bytes that came over the wire, before
 * compression) and {@code totals.bytesCopied} (bytes copied from the older local versions).
 */
public record SyncLog(String direction, String source, String destination, boolean dryRun, boolean delete,
    SyncPlan plan, PullResult pull, List<String> errors) {

  public SyncLog {
    errors = List.copyOf(errors);
  }

  /** True when the pull (if any) verified every file and nothing else failed. */
  public boolean ok() {
    return errors.isEmpty() && (pull == null || pull.ok());
  }

  public JsonObject toJson() {
    JsonArray files = new JsonArray();
    for (SyncPlan.Entry e : plan.entries()) {
      JsonObject f = new JsonObject()
          .put("path", e.name())
          .put("action", e.action().word())
          .put("size", e.size())
          .put("bytesMoved", e.bytesMoved())
          .put("bytesReused", e.bytesReused())
          .put("digest", e.digest());
      if (e.note() != null) {
        f.put("note", e.note());
      }
      files.add(f);
    }
    SyncPlan.Totals t = plan.totals();
    JsonObject totals = new JsonObject()
        .put("files", t.files())
        .put("filesMoved", t.filesMoved())
        .put("filesNew", t.filesNew())
        .put("filesChanged", t.filesChanged())
        .put("filesSame", t.filesSame())
        .put("bytesMoved", t.bytesMoved())
        .put("bytesReused", t.bytesReused())
        .put("bytesSame", t.bytesSame())
        .put("filesExtra", t.filesExtra())
        .put("bytesExtra", t.bytesExtra())
        .put("filesDeleted", t.filesDeleted())
        .put("bytesDeleted", t.bytesDeleted())
        .put("dirsDeleted", t.dirsDeleted());
    if (pull != null) {
      totals.put("bytesFetched", pull.bytes()).put("bytesCopied", pull.reusedBytes());
    }
    return new JsonObject()
        .put("direction", direction)
        .put("source", source)
        .put("destination", destination)
        .put("dryRun", dryRun)
        .put("delete", delete)
        .put("ok", ok())
        .put("files", files)
        .put("deletedDirs", new JsonArray(new ArrayList<>(plan.dirsToDelete())))
        .put("totals", totals)
        .put("pull", pull == null ? null : new JsonObject(pull.toJson()))
        .put("errors", new JsonArray(new ArrayList<>(errors)));
  }

  /**
   * A table for people: one line per file that moves, changes or goes (same files are counted,
   * not listed), then the totals. {@code human} formats a byte count.
   */
  public String text(LongFunction<String> human) {
    return text(toJson(), human);
  }

  /**
   * The table of a log in its JSON form ({@link #toJson()}), wherever it was made: a push's sync
   * runs on the node, which sends its log back in PUSH_DONE.
   */
  public static String text(JsonObject log, LongFunction<String> human) {
    boolean dryRun = log.getBoolean("dryRun", false);
    boolean delete = log.getBoolean("delete", false);
    StringBuilder sb = new StringBuilder();
    sb.append("sync (").append(log.getString("direction")).append(") ").append(log.getString("source")).append(" -> ")
        .append(log.getString("destination"));
    if (dryRun) {
      sb.append("  [dry run: nothing was written]");
    }
    sb.append('\n');
    for (Object o : log.getJsonArray("files", new JsonArray())) {
      JsonObject e = (JsonObject) o;
      SyncPlan.Action action = SyncPlan.Action.valueOf(e.getString("action").toUpperCase(Locale.ROOT));
      if (action == SyncPlan.Action.SAME) {
        continue;
      }
      String note = e.getString("note");
      String word = action == SyncPlan.Action.DELETED ? (dryRun ? "would delete" : "deleted")
          : dryRun && action != SyncPlan.Action.EXTRA ? "would " + (action == SyncPlan.Action.NEW ? "add" : "update")
          : action.word();
      String what = switch (action) {
        case NEW -> "moves " + human.apply(e.getLong("bytesMoved"));
        case CHANGED -> "moves " + human.apply(e.getLong("bytesMoved")) + ", reuses " + human.apply(e.getLong("bytesReused"))
            + " locally";
        case EXTRA -> note != null ? note : delete ? "" : "not in the source (kept; --delete removes it)";
        default -> "";
      };
      if (note != null && action != SyncPlan.Action.EXTRA) {
        what = what + " (" + note + ")";
      }
      sb.append(String.format(Locale.ROOT, "  %-13s %10s  %-44s %s%n", word, human.apply(e.getLong("size")), what,
          e.getString("path")));
    }
    for (Object d : log.getJsonArray("deletedDirs", new JsonArray())) {
      sb.append(String.format(Locale.ROOT, "  %-13s %10s  %-44s %s/%n", dryRun ? "would delete" : "deleted", "",
          "empty folder", d));
    }
    JsonObject t = log.getJsonObject("totals");
    sb.append(String.format(Locale.ROOT, "%s %s (%d new, %d changed): %s to move, %s reused locally; %d the same (%s)",
        files(t.getInteger("filesMoved")), dryRun ? "would move" : "moved", t.getInteger("filesNew"),
        t.getInteger("filesChanged"), human.apply(t.getLong("bytesMoved")), human.apply(t.getLong("bytesReused")),
        t.getInteger("filesSame"), human.apply(t.getLong("bytesSame"))));
    if (t.containsKey("bytesFetched")) {
      sb.append(String.format(Locale.ROOT, "; the pull fetched %s and copied %s", human.apply(t.getLong("bytesFetched")),
          human.apply(t.getLong("bytesCopied"))));
    }
    if (t.getInteger("filesDeleted") > 0 || delete) {
      int dirs = t.getInteger("dirsDeleted");
      sb.append(String.format(Locale.ROOT, "; %s %s (%s), %d %s", files(t.getInteger("filesDeleted")),
          dryRun ? "would be deleted" : "deleted", human.apply(t.getLong("bytesDeleted")), dirs,
          dirs == 1 ? "folder" : "folders"));
    }
    if (t.getInteger("filesExtra") > 0) {
      sb.append(String.format(Locale.ROOT, "; %d extra kept (%s)", t.getInteger("filesExtra"),
          human.apply(t.getLong("bytesExtra"))));
    }
    if (!log.getBoolean("ok", true)) {
      sb.append(String.format(Locale.ROOT, "%nFAILED: %s", String.join("; ", allErrors(log))));
    }
    return sb.toString();
  }

  /** The sync's own errors, then the pull's, from a log's JSON form. */
  public static List<String> allErrors(JsonObject log) {
    List<String> all = new ArrayList<>();
    log.getJsonArray("errors", new JsonArray()).forEach(e -> all.add(String.valueOf(e)));
    JsonObject pull = log.getJsonObject("pull");
    if (pull != null) {
      pull.getJsonArray("errors", new JsonArray()).forEach(e -> all.add(String.valueOf(e)));
    }
    return all;
  }

  /** A byte count in binary units ({@code 1.5 MiB}); the CLI's too. */
  public static String human(double bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 - 0.05 && u < units.length - 1) { // 1048575 B is "1.0 MiB", not "1024.0 KiB"
      bytes /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  }

  private static String files(int n) {
    return n + (n == 1 ? " file" : " files");
  }

  /** The sync's own errors, then the pull's. */
  public List<String> allErrors() {
    List<String> all = new ArrayList<>(errors);
    if (pull != null) {
      all.addAll(pull.errors());
    }
    return all;
  }
}
