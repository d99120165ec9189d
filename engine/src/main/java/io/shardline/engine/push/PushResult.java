package io.shardline.engine.push;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of a push: the node's own summary of the pull it ran (the fields of a pull's JSON:
 * files, bytes received, wire bytes, reused bytes, digests, verified, errors), with what this side
 * adds: {@code attempts} (connections to the node, more than 1 after it was lost and the push
 * resumed), {@code pushSeconds} (wall clock here, all attempts) and {@code sentChunks} (DATA
 * frames this side sent).
 */
public record PushResult(JsonObject node, int attempts, double seconds, long sentChunks) {
  public boolean verified() {
    return node.getBoolean("verified", false) && errors().isEmpty();
  }

  public List<String> errors() {
    List<String> out = new ArrayList<>();
    JsonArray a = node.getJsonArray("errors", new JsonArray());
    for (int i = 0; i < a.size(); i++) {
      out.add(String.valueOf(a.getValue(i)));
    }
    return out;
  }

  public long bytes() {
    return node.getLong("bytes", 0L);
  }

  public long reusedBytes() {
    return node.getLong("reusedBytes", 0L);
  }

  public long wireBytes() {
    return node.getLong("wireBytes", 0L);
  }

  public String toJson() {
    return node.copy()
        .put("attempts", attempts)
        .put("pushSeconds", Math.round(seconds * 1000) / 1000.0)
        .put("sentChunks", sentChunks)
        .encode();
  }
}
