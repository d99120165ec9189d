package io.shardline.engine.transfer;

import io.shardline.engine.wire.Protocol;
import java.util.List;

/**
 * The outcome of a pull, as the CLI prints it (JSON with --json). {@code firstByteSeconds}: from the
 * session's start to the first chunk's DATA (-1 if none came); {@code streamedFiles}: files the
 * server listed streamed (v4), summed while their chunks flowed; {@code sources}: what each source
 * (in order of preference) gave, and why a source was set aside; {@code notYet}: GETs a relay
 * answered NOT_YET (v5), asked again later; {@code reusedChunks}/{@code reusedBytes}: chunks copied
 * from an older local version (the destination's or {@code --base}'s) because their SHA-256 is the
 * manifest's, instead of fetched; {@code patchedChunks}: chunks rebuilt from bytes of an older
 * local version and ranges fetched (v6 delta, level 2), whose copied bytes count in
 * {@code reusedBytes} and fetched bytes in {@code bytes}; {@code digests}: each file's root digest
 * (hex, by name) once published or found complete.
 */
public record PullResult(int files, long totalBytes, long bytes, long wireBytes, double seconds, int lanes, long chunks,
    long retriedChunks, long resumedChunks, long reconnects, boolean verified, List<String> errors,
    Compression compression, long[] codecChunks, java.util.Map<String, String> digests, double firstByteSeconds,
    long streamedFiles, List<Source> sources, long notYet, long reusedChunks, long reusedBytes, long patchedChunks) {

  /** One source's share: its lanes, the DATA frames and wire bytes its lanes received, its failure or null. */
  public record Source(String url, int lanes, long chunks, long wireBytes, String error) {}

  /** Raw bytes per wire byte of the DATA received in this run (1.0 with nothing received). */
  public double ratio() {
    long payloadWire = wireBytes - chunks * (Protocol.PREFIX_BYTES
        + Protocol.DATA_HEADER_BYTES);
    return wireBytes == 0 || payloadWire <= 0 ? 1.0 : (double) bytes / wireBytes;
  }

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
        .append(",\"firstByteSeconds\":").append(String.format(java.util.Locale.ROOT, "%.3f", firstByteSeconds))
        .append(",\"lanes\":").append(lanes)
        .append(",\"chunks\":").append(chunks)
        .append(",\"retriedChunks\":").append(retriedChunks)
        .append(",\"resumedChunks\":").append(resumedChunks)
        .append(",\"reconnects\":").append(reconnects)
        .append(",\"streamedFiles\":").append(streamedFiles)
        .append(",\"notYet\":").append(notYet)
        .append(",\"reusedChunks\":").append(reusedChunks)
        .append(",\"reusedBytes\":").append(reusedBytes)
        .append(",\"patchedChunks\":").append(patchedChunks)
        .append(",\"compression\":\"").append(compression.name().toLowerCase(java.util.Locale.ROOT)).append('"')
        .append(",\"ratio\":").append(String.format(java.util.Locale.ROOT, "%.4f", ratio()))
        .append(",\"codecs\":{\"identity\":").append(codecChunks[0])
        .append(",\"zstd\":").append(codecChunks[1])
        .append(",\"planes\":").append(codecChunks[2]).append('}')
        .append(",\"sources\":[");
    for (int i = 0; i < sources.size(); i++) {
      Source s = sources.get(i);
      sb.append(i == 0 ? "{" : ",{").append("\"url\":").append(io.vertx.core.json.Json.encode(s.url()))
          .append(",\"lanes\":").append(s.lanes())
          .append(",\"chunks\":").append(s.chunks())
          .append(",\"wireBytes\":").append(s.wireBytes())
          .append(",\"error\":").append(s.error() == null ? "null" : io.vertx.core.json.Json.encode(s.error()))
          .append('}');
    }
    sb.append(']').append(",\"digests\":").append(io.vertx.core.json.Json.encode(new java.util.TreeMap<>(digests)))
        .append(",\"verified\":").append(verified)
        .append(",\"errors\":[");
    for (int i = 0; i < errors.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(io.vertx.core.json.Json.encode(errors.get(i)));
    }
    return sb.append("]}").toString();
  }
}
