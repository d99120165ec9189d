package io.shardline.gateway.journal;

import io.vertx.core.json.JsonObject;

/**
 * One event of the job journal: the {@code seq}-th change, made at {@code time} (epoch millis) by
 * {@code actor} to job {@code jobId}. {@code type} says what happened; {@code data} holds its fields.
 */
public record JournalRecord(long seq, long time, String jobId, String type, String actor, JsonObject data) {
  public JsonObject toJson() {
    return new JsonObject().put("seq", seq).put("time", time).put("job", jobId).put("type", type)
        .put("actor", actor).put("data", data);
  }

  public static JournalRecord fromJson(JsonObject j) {
    Long seq = j.getLong("seq");
    Long time = j.getLong("time");
    String job = j.getString("job");
    String type = j.getString("type");
    if (seq == null || time == null || job == null || type == null) {
      throw new IllegalArgumentException("journal record without seq, time, job or type: " + j.encode());
    }
    JsonObject data = j.getJsonObject("data");
    return new JournalRecord(seq, time, job, type, j.getString("actor", "gateway"), data == null ? new JsonObject() : data);
  }
}
