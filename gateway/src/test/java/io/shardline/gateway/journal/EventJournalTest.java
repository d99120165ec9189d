package io.shardline.gateway.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventJournalTest {
  @TempDir
  Path tmp;
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    GatewayHarness.await(vertx.close());
  }

  /** Opens the journal on a fresh context and appends {@code n} events, all at once (group commit). */
  private List<JournalRecord> write(Path file, int n) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Promise<List<JournalRecord>> p = Promise.promise();
    ctx.runOnContext(v -> {
      try {
        EventJournal j = EventJournal.open(vertx, ctx, file, 0, 0).journal();
        List<JournalRecord> written = new ArrayList<>();
        List<Future<Void>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          JournalRecord r = j.next("job-" + (i % 3), "submitted", "alice", new JsonObject().put("i", i).put("pad", "é".repeat(i)));
          written.add(r);
          acks.add(j.append(List.of(r)));
        }
        Future.all(acks).onComplete(ar -> {
          try {
            j.close();
          } catch (Exception e) {
            p.fail(e);
          }
          p.handle(ar.map(written));
        });
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return GatewayHarness.await(p.future());
  }

  @Test
  void appendedEventsReadBackInOrder() throws Exception {
    Path f = tmp.resolve("journal.log");
    List<JournalRecord> w = write(f, 50);
    RecordFile.Contents c = RecordFile.read(f, 0);
    assertEquals(w, c.records());
    assertEquals(Files.size(f), c.goodEnd());
    for (int i = 0; i < 50; i++) {
      assertEquals(i + 1, c.records().get(i).seq());
    }
  }

  @Test
  void aTornLastWriteIsCutOffAndAppendsContinueAfterIt() throws Exception {
    Path f = tmp.resolve("journal.log");
    write(f, 10);
    long good = Files.size(f);
    byte[] all = Files.readAllBytes(f);
    for (int cut : new int[] {3, RecordFile.HEADER + 5}) { // a torn header, a torn payload
      Files.write(f, java.util.Arrays.copyOf(all, (int) good - cut));
      RecordFile.Contents c = RecordFile.read(f, 0);
      assertEquals(9, c.records().size());
    }
    // a torn last record whose length is whole but whose bytes are not
    Files.write(f, all);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(good - 2);
      raf.write('X');
    }
    Context ctx = vertx.getOrCreateContext();
    EventJournal.Opened o = EventJournal.open(vertx, ctx, f, 0, 0);
    assertEquals(9, o.replay().size());
    assertEquals(10, o.journal().nextSeq(), "the torn event's number is given again");
    o.journal().close();
    assertTrue(Files.size(f) < good);
  }

  @Test
  void damageFollowedByGoodEventsIsCorruptionNotATornTail() throws Exception {
    Path f = tmp.resolve("journal.log");
    write(f, 10);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(RecordFile.HEADER + 3);
      raf.write('#');
    }
    JournalCorruptException e = assertThrows(JournalCorruptException.class, () -> RecordFile.read(f, 0));
    assertTrue(e.getMessage().contains("offset 0"), e.getMessage());
  }

  @Test
  void aGapInSequenceNumbersIsRefused() throws Exception {
    Path f = tmp.resolve("journal.log");
    List<JournalRecord> w = write(f, 3);
    Path g = tmp.resolve("gap.log");
    JournalRecord skipped = new JournalRecord(5, 0, "job-x", "started", "gateway", new JsonObject());
    java.nio.ByteBuffer b = RecordFile.encode(List.of(w.get(0), skipped));
    Files.write(g, java.util.Arrays.copyOf(b.array(), b.remaining()));
    assertThrows(JournalCorruptException.class, () -> EventJournal.open(vertx, vertx.getOrCreateContext(), g, 0, 0));
  }

  @Test
  void snapshotsAreAtomicAndADamagedOneIsIgnored() throws Exception {
    SnapshotStore s = new SnapshotStore(tmp);
    assertTrue(s.read().isEmpty());
    s.write(new SnapshotStore.Snapshot(new JsonObject().put("lastSeq", 7).put("jobs", new io.vertx.core.json.JsonArray()), 1234));
    assertEquals(1234, s.read().orElseThrow().journalOffset());
    Files.writeString(tmp.resolve("snapshot.json"), "{\"journalOffset\": 12, \"tab");
    assertTrue(s.read().isEmpty());
  }
}
