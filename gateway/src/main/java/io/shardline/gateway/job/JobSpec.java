package io.shardline.gateway.job;

import io.shardline.engine.transfer.Compression;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * What a job moves: {@code sourcePath} of remote {@code source} into {@code destPath} under
 * destination root {@code destination}, with its transfer settings. Immutable; the rate limit can
 * change later through events, the spec keeps what was asked at submission.
 */
public record JobSpec(String source, String sourcePath, String destination, String destPath, int lanes,
    Compression compression, long rateLimit, int priority, String label) {

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("source", source + ":" + sourcePath)
        .put("destination", destination + ":" + destPath).put("lanes", lanes)
        .put("compression", compression.name().toLowerCase(Locale.ROOT)).put("rateLimit", rateLimit)
        .put("priority", priority);
    if (label != null) {
      j.put("label", label);
    }
    return j;
  }

  public static JobSpec fromJson(JsonObject j) {
    String[] src = split(j.getString("source"));
    String[] dst = split(j.getString("destination"));
    return new JobSpec(src[0], src[1], dst[0], dst[1], j.getInteger("lanes"), Compression.parse(j.getString("compression")),
        j.getLong("rateLimit", 0L), j.getInteger("priority", 0), j.getString("label"));
  }

  /** {@code NAME:PATH} into its two parts (the path may be empty, meaning the root). */
  static String[] split(String s) {
    int colon = s == null ? -1 : s.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected NAME:PATH, got '" + s + "'");
    }
    return new String[] {s.substring(0, colon), s.substring(colon + 1)};
  }
}
