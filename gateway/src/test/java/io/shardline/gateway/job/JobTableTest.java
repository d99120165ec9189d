package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.transfer.Compression;
import io.shardline.gateway.journal.JournalRecord;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The projection: events fold into jobs, and a snapshot plus the rest rebuilds the same table. */
class JobTableTest {
  private long seq;
  private final List<JournalRecord> log = new ArrayList<>();

  private JournalRecord ev(String job, String type, JsonObject data) {
    JournalRecord r = new JournalRecord(++seq, 1000 + seq, job, type, "alice", data);
    log.add(r);
    return r;
  }

  private static JsonObject submitted(String key) {
    JsonObject d = new JsonObject().put("spec", new JobSpec("ckpt", "m", "local", "x", 4, Compression.AUTO, 0, 0, null).toJson())
        .put("requestHash", "h");
    return key == null ? d : d.put("idempotencyKey", key);
  }

  @Test
  void eventsFoldIntoStatesAndSnapshotsRebuildTheSameTable() {
    JobTable t = new JobTable();
    t.apply(ev("a", EventType.SUBMITTED, submitted("k")));
    t.apply(ev("b", EventType.SUBMITTED, submitted(null)));
    t.apply(ev("a", EventType.STARTED, new JsonObject().put("attempt", 1)));
    assertEquals(JobState.RUNNING, t.get("a").state());
    t.apply(ev("a", EventType.RATE_CHANGED, new JsonObject().put("rateLimit", 5)));
    t.apply(ev("a", EventType.INTERRUPTED, new JsonObject()));
    assertEquals(JobState.QUEUED, t.get("a").state());
    JsonObject snap = t.toSnapshot();
    t.apply(ev("a", EventType.STARTED, new JsonObject().put("attempt", 2)));
    t.apply(ev("a", EventType.SUCCEEDED, new JsonObject().put("files", 2).put("totalBytes", 10).put("retriedChunks", 3)));
    t.apply(ev("b", EventType.PAUSED, new JsonObject()));
    t.apply(ev("b", EventType.CANCELLED, new JsonObject()));

    JobTable fromSnapshot = JobTable.fromSnapshot(snap);
    for (JournalRecord r : log.subList(5, log.size())) {
      fromSnapshot.apply(r);
    }
    JobTable replayed = new JobTable();
    log.forEach(replayed::apply);
    for (JobTable x : List.of(fromSnapshot, replayed)) {
      assertEquals(t.toSnapshot(), x.toSnapshot());
      assertEquals(JobState.SUCCEEDED, x.get("a").state());
      assertEquals(2, x.get("a").attempts());
      assertEquals(5, x.get("a").rateLimit());
      assertEquals(3, x.get("a").progress().retriedChunks());
      assertEquals(10, x.get("a").progress().bytesDone());
      assertEquals(JobState.CANCELLED, x.get("b").state());
      assertEquals("a", x.byIdempotencyKey("alice", "k").id());
      assertEquals(null, x.byIdempotencyKey("bob", "k"), "keys are per caller");
    }
  }

  @Test
  void outOfOrderUnknownAndDuplicateEventsAreRefused() {
    JobTable t = new JobTable();
    t.apply(ev("a", EventType.SUBMITTED, submitted(null)));
    assertThrows(IllegalStateException.class, () -> t.apply(new JournalRecord(1, 0, "a", EventType.STARTED, "x", new JsonObject())));
    assertThrows(IllegalStateException.class, () -> t.apply(ev("zzz", EventType.STARTED, new JsonObject())));
    assertThrows(IllegalStateException.class, () -> t.apply(ev("a", EventType.SUBMITTED, submitted(null))));
    assertThrows(IllegalStateException.class, () -> t.apply(ev("a", "exploded", new JsonObject())));
  }
}
