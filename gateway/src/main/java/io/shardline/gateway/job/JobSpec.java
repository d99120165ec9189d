package io.shardline.gateway.job;

import io.shardline.engine.transfer.Compression;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * What a job moves: {@code sourcePath} of remote {@code source} into {@code destPath} under
 * destination root {@code destination}, with its transfer settings. Immutable; the rate limit can
 * change later through events, the spec keeps what was asked at submission.
 *
 * @param sha256 the file's expected SHA-256 (64 lowercase hex digits), for a file from an HTTPS
 *     remote; null when not given
 */
public record JobSpec(String source, String sourcePath, String destination, String destPath, int lanes,
    Compression compression, long rateLimit, int priority, String label, String sha256) {

  /** A spec without an expected SHA-256. */
  public JobSpec(String source, String sourcePath, String destination, String destPath, int lanes,
      Compression compression, long rateLimit, int priority, String label) {
    this(source, sourcePath, destination, destPath, lanes, compression, rateLimit, priority, label, null);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("source", source + ":" + sourcePath)
        .put("destination", destination + ":" + destPath).put("lanes", lanes)
        .put("compression", compression.name().toLowerCase(Locale.ROOT)).put("rateLimit", rateLimit)
        .put("priority", priority);
    if (label != null) {
      j.put("label", label);
    }
    if (sha256 != null) {
      j.put("sha256", sha256);
    }
    return j;
  }

  public static JobSpec fromJson(JsonObject j) {
    String[] src = split(j.getString("source"));
    String[] dst = split(j.getString("destination"));
    return new JobSpec(src[0], src[1], dst[0], dst[1], j.getInteger("lanes"), Compression.parse(j.getString("compression")),
        j.getLong("rateLimit", 0L), j.getInteger("priority", 0), j.getString("label"), j.getString("sha256"));
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
