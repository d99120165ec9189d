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
    StringBuilder sb = new StringBuilder();
    sb.append("sync (").append(direction).append(") ").append(source).append(" -> ").append(destination);
    if (dryRun) {
      sb.append("  [dry run: nothing was written]");
    }
    sb.append('\n');
    for (SyncPlan.Entry e : plan.entries()) {
      if (e.action() == SyncPlan.Action.SAME) {
        continue;
      }
      String word = e.action() == SyncPlan.Action.DELETED ? (dryRun ? "would delete" : "deleted")
          : dryRun && e.action() != SyncPlan.Action.EXTRA ? "would " + (e.action() == SyncPlan.Action.NEW ? "add" : "update")
          : e.action().word();
      String what = switch (e.action()) {
        case NEW -> "moves " + human.apply(e.bytesMoved());
        case CHANGED -> "moves " + human.apply(e.bytesMoved()) + ", reuses " + human.apply(e.bytesReused()) + " locally";
        case EXTRA -> e.note() != null ? e.note() : delete ? "" : "not in the source (kept; --delete removes it)";
        default -> "";
      };
      if (e.note() != null && e.action() != SyncPlan.Action.EXTRA) {
        what = what + " (" + e.note() + ")";
      }
      sb.append(String.format(Locale.ROOT, "  %-13s %10s  %-44s %s%n", word, human.apply(e.size()), what, e.name()));
    }
    for (String d : plan.dirsToDelete()) {
      sb.append(String.format(Locale.ROOT, "  %-13s %10s  %-44s %s/%n", dryRun ? "would delete" : "deleted", "",
          "empty folder", d));
    }
    SyncPlan.Totals t = plan.totals();
    sb.append(String.format(Locale.ROOT, "%s %s (%d new, %d changed): %s to move, %s reused locally; %d the same (%s)",
        files(t.filesMoved()), dryRun ? "would move" : "moved", t.filesNew(), t.filesChanged(), human.apply(t.bytesMoved()),
        human.apply(t.bytesReused()), t.filesSame(), human.apply(t.bytesSame())));
    if (pull != null) {
      sb.append(String.format(Locale.ROOT, "; the pull fetched %s and copied %s", human.apply(pull.bytes()),
          human.apply(pull.reusedBytes())));
    }
    if (t.filesDeleted() > 0 || plan.deletes()) {
      sb.append(String.format(Locale.ROOT, "; %s %s (%s), %d %s", files(t.filesDeleted()),
          dryRun ? "would be deleted" : "deleted", human.apply(t.bytesDeleted()), t.dirsDeleted(),
          t.dirsDeleted() == 1 ? "folder" : "folders"));
    }
    if (t.filesExtra() > 0) {
      sb.append(String.format(Locale.ROOT, "; %d extra kept (%s)", t.filesExtra(), human.apply(t.bytesExtra())));
    }
    if (!ok()) {
      sb.append(String.format(Locale.ROOT, "%nFAILED: %s", String.join("; ", allErrors())));
    }
    return sb.toString();
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
