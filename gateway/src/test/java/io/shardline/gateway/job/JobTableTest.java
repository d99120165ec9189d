package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.transfer.Compression;
import io.shardline.gateway.journal.JournalCorruptException;
import io.shardline.gateway.journal.JournalRecord;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The projection: events fold into jobs, and a snapshot plus the rest rebuilds the same table. */
class JobTableTest {
  private long seq;
  private final List<JobRecord> log = new ArrayList<>();

  private JobRecord ev(String job, JobEvent event) {
    JobRecord r = new JobRecord(++seq, 1000 + seq, job, "alice", event);
    log.add(r);
    return r;
  }

  private static JobEvent.Submitted submitted(String key) {
    return new JobEvent.Submitted(new JobSpec("ckpt", "m", "local", "x", 4, Compression.AUTO, 0, 0, null), key, "h");
  }

  /** An attempt's statistics with only these fields set. */
  private static AttemptStats stats(int files, long totalBytes, long retriedChunks) {
    return new AttemptStats(files, totalBytes, 0, 0, 0, 0, retriedChunks, 0, 0, true);
  }

  @Test
  void eventsFoldIntoStatesAndSnapshotsRebuildTheSameTable() {
    JobTable t = new JobTable();
    t.apply(ev("a", submitted("k")));
    t.apply(ev("b", submitted(null)));
    t.apply(ev("a", new JobEvent.Started(1)));
    assertEquals(JobState.RUNNING, t.get("a").state());
    t.apply(ev("a", new JobEvent.RateChanged(5, 0)));
    t.apply(ev("a", new JobEvent.Interrupted("stopped")));
    assertEquals(JobState.QUEUED, t.get("a").state());
    JsonObject snap = t.toSnapshot();
    t.apply(ev("a", new JobEvent.Started(2)));
    t.apply(ev("a", new JobEvent.Succeeded(stats(2, 10, 3), Map.of())));
    t.apply(ev("b", new JobEvent.Paused(JobState.QUEUED)));
    t.apply(ev("b", new JobEvent.Cancelled(JobState.PAUSED)));

    JobTable fromSnapshot = JobTable.fromSnapshot(snap);
    for (JobRecord r : log.subList(5, log.size())) {
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
    t.apply(ev("a", submitted(null)));
    assertThrows(IllegalStateException.class, () -> t.apply(new JobRecord(1, 0, "a", "x", new JobEvent.Started(1))));
    assertThrows(IllegalStateException.class, () -> t.apply(ev("zzz", new JobEvent.Started(1))));
    assertThrows(IllegalStateException.class, () -> t.apply(ev("a", submitted(null))));
    // an unknown type never reaches the table: the journal edge refuses it, naming the event
    JournalCorruptException unknown = assertThrows(JournalCorruptException.class,
        () -> t.replay(List.of(new JournalRecord(seq + 1, 0, "a", "exploded", "x", new JsonObject()))));
    assertEquals("journal event " + (seq + 1) + " has an unknown type 'exploded'", unknown.getMessage());
  }
}
