package io.shardline.engine.verify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.BitSet;
import java.util.List;

/**
 * One file: sizes are -1 on the side where it is missing; {@code tensors} is null unless both
 * sides are safetensors files that differ.
 */
public record FileReport(String path, FileStatus status, long sizeA, long sizeB, int chunks, BitSet differingChunks,
    List<ChunkDiff> listedChunks, List<TensorReport> tensors, String note) {

  public int differingChunkCount() {
    return differingChunks == null ? 0 : differingChunks.cardinality();
  }

  public long tensorsDiffering() {
    return tensors == null ? 0 : tensors.stream().filter(t -> t.status() != TensorStatus.IDENTICAL).count();
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("path", path).put("status", status.json());
    if (sizeA >= 0) {
      o.put("sizeA", sizeA);
    }
    if (sizeB >= 0) {
      o.put("sizeB", sizeB);
    }
    if (status == FileStatus.IDENTICAL || status == FileStatus.DIFFERENT) {
      o.put("chunks", chunks).put("differingChunks", differingChunkCount());
    }
    if (status == FileStatus.DIFFERENT) {
      JsonArray cs = new JsonArray();
      for (ChunkDiff c : listedChunks) {
        JsonObject j = new JsonObject().put("index", c.index()).put("start", c.start()).put("end", c.end());
        j.put("crcA", c.crcA() == null ? null : String.format("%08x", c.crcA()));
        j.put("crcB", c.crcB() == null ? null : String.format("%08x", c.crcB()));
        cs.add(j);
      }
      o.put("chunkDiffs", cs).put("chunkDiffsTruncated", listedChunks.size() < differingChunkCount());
      o.put("safetensors", tensors != null);
      if (tensors != null) {
        JsonArray ts = new JsonArray();
        tensors.forEach(t -> ts.add(t.toJson()));
        o.put("tensorsCompared", tensors.size()).put("tensorsDiffering", tensorsDiffering()).put("tensors", ts);
      }
      if (note != null) {
        o.put("note", note);
      }
    }
    return o;
  }
}
