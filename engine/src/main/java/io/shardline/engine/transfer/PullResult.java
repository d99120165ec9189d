package io.shardline.engine.transfer;

import java.util.List;

/** The outcome of a pull, as the CLI prints it (JSON with --json). */
public record PullResult(int files, long totalBytes, long bytes, long wireBytes, double seconds, int lanes, long chunks,
    long retriedChunks, long resumedChunks, long reconnects, boolean verified, List<String> errors) {

  /** True when every file arrived and was verified. */
  public boolean ok() {
    return verified && errors.isEmpty();
  }

  public double megabytesPerSecond() {
    return seconds <= 0 ? 0 : bytes / seconds / 1e6;
  }

  public String toJson() {
    StringBuilder sb = new StringBuilder();
    sb.append('{')
        .append("\"files\":").append(files)
        .append(",\"totalBytes\":").append(totalBytes)
        .append(",\"bytes\":").append(bytes)
        .append(",\"wireBytes\":").append(wireBytes)
        .append(",\"seconds\":").append(String.format(java.util.Locale.ROOT, "%.3f", seconds))
        .append(",\"mbPerSecond\":").append(String.format(java.util.Locale.ROOT, "%.1f", megabytesPerSecond()))
        .append(",\"lanes\":").append(lanes)
        .append(",\"chunks\":").append(chunks)
        .append(",\"retriedChunks\":").append(retriedChunks)
        .append(",\"resumedChunks\":").append(resumedChunks)
        .append(",\"reconnects\":").append(reconnects)
        .append(",\"verified\":").append(verified)
        .append(",\"errors\":[");
    for (int i = 0; i < errors.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(io.vertx.core.json.Json.encode(errors.get(i)));
    }
    return sb.append("]}").toString();
  }
}
