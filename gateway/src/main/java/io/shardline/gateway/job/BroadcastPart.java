package io.shardline.gateway.job;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * A job's place in a broadcast (POST /api/v1/broadcasts): one destination of several, filled by a
 * relay that serves what it has pulled to the destinations below it while it pulls.
 *
 * @param id the broadcast's id, shared by its jobs
 * @param target this job's destination ({@code DEST:PATH}), its name in the broadcast's plan
 * @param upstreams the targets it pulls from, nearest first (its parent, then the hops above it);
 *     the broadcast's source comes after them all. Empty: it pulls from the source alone.
 * @param targets every target of the broadcast (a relay seeds until they all are in)
 */
public record BroadcastPart(String id, String target, List<String> upstreams, List<String> targets) {
  public BroadcastPart {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(target, "target");
    upstreams = List.copyOf(upstreams);
    targets = List.copyOf(targets);
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("target", target).put("upstreams", new JsonArray(upstreams))
        .put("targets", new JsonArray(targets));
  }

  /** From {@link #toJson()}; null for null. */
  public static BroadcastPart fromJson(JsonObject j) {
    if (j == null) {
      return null;
    }
    return new BroadcastPart(j.getString("id"), j.getString("target"), strings(j.getJsonArray("upstreams")),
        strings(j.getJsonArray("targets")));
  }

  private static List<String> strings(JsonArray a) {
    return a == null ? List.of() : a.stream().map(String::valueOf).toList();
  }
}
