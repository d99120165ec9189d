package io.shardline.engine.verify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** A whole comparison: every file of A and B, in name order. */
public record Report(String a, String b, int chunkSize, List<FileReport> files, double seconds) {
  public boolean identical() {
    return files.stream().allMatch(f -> f.status() == FileStatus.IDENTICAL);
  }

  public long count(FileStatus s) {
    return files.stream().filter(f -> f.status() == s).count();
  }

  public long bytes() {
    return files.stream().mapToLong(f -> Math.max(f.sizeA(), f.sizeB())).sum();
  }

  public JsonObject toJson() {
    JsonArray fs = new JsonArray();
    files.forEach(f -> fs.add(f.toJson()));
    return new JsonObject()
        .put("identical", identical())
        .put("a", a)
        .put("b", b)
        .put("chunkSize", chunkSize)
        .put("files", files.size())
        .put("identicalFiles", count(FileStatus.IDENTICAL))
        .put("differentFiles", count(FileStatus.DIFFERENT))
        .put("onlyInA", count(FileStatus.ONLY_IN_A))
        .put("onlyInB", count(FileStatus.ONLY_IN_B))
        .put("tensorsDiffering", files.stream().mapToLong(FileReport::tensorsDiffering).sum())
        .put("bytes", bytes())
        .put("seconds", Math.round(seconds * 1000) / 1000.0)
        .put("fileReports", fs);
  }
}
