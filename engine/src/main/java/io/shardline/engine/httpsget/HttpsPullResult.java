package io.shardline.engine.httpsget;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a pull from an HTTPS server did. {@code verified} is true only when the file's SHA-256
 * matched {@code --sha256} ({@code verifiedBy: "sha256"}); without it the file is published when
 * every range named the same version ({@code verifiedBy: "etag"}: the same {@code ETag} and
 * {@code Last-Modified} and size on every response), which detects a change but is no digest.
 * {@code urls}: how many URLs the ranges were spread over (the first and the mirrors that agreed);
 * {@code mirrorsSetAside}: the mirrors that were not used, with why.
 */
public record HttpsPullResult(String source, String file, long bytes, double seconds, double firstByteSeconds,
    int lanes, int chunks, int resumedChunks, long resumedBytes, int retries, boolean published, boolean verified,
    String verifiedBy, String sha256, String etag, String lastModified, List<String> errors, int urls,
    List<String> mirrorsSetAside) {

  /** The file was published (exit 0). */
  public boolean ok() {
    return published && errors.isEmpty();
  }

  /** Payload megabytes (10^6 bytes) per second of the pull's own clock, resumed bytes left out. */
  public double megabytesPerSecond() {
    return seconds <= 0 ? 0 : (bytes - resumedBytes) / 1e6 / seconds;
  }

  public JsonObject toJson() {
    return new JsonObject().put("source", source).put("file", file).put("bytes", bytes).put("seconds", seconds)
        .put("megabytesPerSecond", megabytesPerSecond()).put("firstByteSeconds", firstByteSeconds)
        .put("lanes", lanes).put("chunks", chunks).put("resumedChunks", resumedChunks)
        .put("resumedBytes", resumedBytes).put("retries", retries).put("published", published)
        .put("verified", verified).put("verifiedBy", verifiedBy).put("sha256", sha256).put("etag", etag)
        .put("lastModified", lastModified).put("urls", urls)
        .put("mirrorsSetAside", new JsonArray(List.copyOf(mirrorsSetAside)))
        .put("ok", ok()).put("errors", new JsonArray(List.copyOf(errors)));
  }
}
