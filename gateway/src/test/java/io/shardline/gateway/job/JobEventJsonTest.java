package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.transfer.Compression;
import io.shardline.gateway.journal.EventJournal;
import io.shardline.gateway.journal.JournalCorruptException;
import io.shardline.gateway.journal.JournalRecord;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal edge: every event type converts to the JSON the journal has always held and back;
 * a journal and a snapshot written in that format (as JSON literals here, the way the gateway
 * wrote them before events were typed) replay to the same jobs and encode to the same bytes; an
 * unknown type or a missing or malformed field is refused with the event's sequence number.
 */
class JobEventJsonTest {
  /** A journal in the gateway's format before typed events: one JSON record per line, as RecordFile wrote them. */
  static final List<String> OLD_JOURNAL = List.of(
      "{\"seq\":1,\"time\":1000,\"job\":\"a\",\"type\":\"submitted\",\"actor\":\"alice\",\"data\":{\"spec\":"
          + "{\"source\":\"ckpt:models\",\"destination\":\"local:a\",\"lanes\":4,\"compression\":\"auto\",\"rateLimit\":0,"
          + "\"priority\":2,\"label\":\"nightly\"},\"requestHash\":\"h-a\",\"idempotencyKey\":\"key-a\"}}",
      "{\"seq\":2,\"time\":1001,\"job\":\"b\",\"type\":\"submitted\",\"actor\":\"bob\",\"data\":{\"spec\":"
          + "{\"source\":\"ckpt:\",\"destination\":\"local:b\",\"lanes\":1,\"compression\":\"none\",\"rateLimit\":100,"
          + "\"priority\":0},\"requestHash\":\"h-b\"}}",
      "{\"seq\":3,\"time\":1002,\"job\":\"a\",\"type\":\"started\",\"actor\":\"gateway\",\"data\":{\"attempt\":1}}",
      "{\"seq\":4,\"time\":1003,\"job\":\"a\",\"type\":\"rate-changed\",\"actor\":\"alice\",\"data\":{\"rateLimit\":5000,\"from\":0}}",
      "{\"seq\":5,\"time\":1004,\"job\":\"a\",\"type\":\"paused\",\"actor\":\"alice\",\"data\":{\"from\":\"running\"}}",
      "{\"seq\":6,\"time\":1005,\"job\":\"a\",\"type\":\"attempt-ended\",\"actor\":\"gateway\",\"data\":{\"files\":3,"
          + "\"totalBytes\":3000,\"bytes\":1000,\"wireBytes\":900,\"seconds\":0.25,\"chunks\":1,\"retriedChunks\":1,"
          + "\"resumedChunks\":0,\"reconnects\":2,\"verified\":false,\"reason\":\"paused\"}}",
      "{\"seq\":7,\"time\":1006,\"job\":\"a\",\"type\":\"resumed\",\"actor\":\"alice\",\"data\":{\"from\":\"paused\"}}",
      "{\"seq\":8,\"time\":1007,\"job\":\"b\",\"type\":\"started\",\"actor\":\"gateway\",\"data\":{\"attempt\":1}}",
      "{\"seq\":9,\"time\":1008,\"job\":\"b\",\"type\":\"failed\",\"actor\":\"gateway\",\"data\":{\"error\":"
          + "\"UNAVAILABLE: connection refused\"}}",
      "{\"seq\":10,\"time\":1009,\"job\":\"a\",\"type\":\"started\",\"actor\":\"gateway\",\"data\":{\"attempt\":2}}",
      "{\"seq\":11,\"time\":1010,\"job\":\"a\",\"type\":\"failed\",\"actor\":\"gateway\",\"data\":{\"files\":3,"
          + "\"totalBytes\":3000,\"bytes\":500,\"wireBytes\":400,\"seconds\":1.5,\"chunks\":1,\"retriedChunks\":2,"
          + "\"resumedChunks\":1,\"reconnects\":0,\"verified\":false,\"error\":\"CHECKSUM: chunk 4 of w.bin\"}}",
      "{\"seq\":12,\"time\":1011,\"job\":\"a\",\"type\":\"resumed\",\"actor\":\"alice\",\"data\":{\"from\":\"failed\"}}",
      "{\"seq\":13,\"time\":1012,\"job\":\"a\",\"type\":\"started\",\"actor\":\"gateway\",\"data\":{\"attempt\":3}}",
      "{\"seq\":14,\"time\":1013,\"job\":\"a\",\"type\":\"interrupted\",\"actor\":\"gateway\",\"data\":{\"reason\":"
          + "\"the gateway stopped while the job ran; it resumes from the verified chunks\"}}",
      "{\"seq\":15,\"time\":1014,\"job\":\"a\",\"type\":\"started\",\"actor\":\"gateway\",\"data\":{\"attempt\":4}}",
      "{\"seq\":16,\"time\":1015,\"job\":\"a\",\"type\":\"succeeded\",\"actor\":\"gateway\",\"data\":{\"files\":3,"
          + "\"totalBytes\":3000,\"bytes\":1500,\"wireBytes\":1200,\"seconds\":2.0,\"chunks\":2,\"retriedChunks\":0,"
          + "\"resumedChunks\":2,\"reconnects\":1,\"verified\":true,\"digests\":{\"w.bin\":\"sha256:01\",\"a/x.bin\":"
          + "\"sha256:02\",\"b.json\":\"sha256:03\"}}}",
      "{\"seq\":17,\"time\":1016,\"job\":\"b\",\"type\":\"cancelled\",\"actor\":\"bob\",\"data\":{\"from\":\"failed\"}}");

  @TempDir
  Path tmp;
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    GatewayHarness.await(vertx.close());
  }

  private static AttemptStats stats() {
    return new AttemptStats(3, 3000, 1500, 1200, 2.0, 2, 1, 2, 1, true);
  }

  /** One event of every type (and both forms of those whose statistics are optional). */
  static List<JobEvent> everyEvent() {
    Map<String, String> digests = new LinkedHashMap<>();
    digests.put("z.bin", "sha256:ff");
    digests.put("a.bin", "sha256:00");
    return List.of(
        new JobEvent.Submitted(new JobSpec("ckpt", "models", "local", "x", 4, Compression.AUTO, 10, 3, "l"), "k", "h"),
        new JobEvent.Submitted(new JobSpec("ckpt", "", "local", "y", 1, Compression.NONE, 0, 0, null), null, "h2"),
        new JobEvent.Started(7),
        new JobEvent.Paused(JobState.QUEUED),
        new JobEvent.Resumed(JobState.FAILED),
        new JobEvent.Cancelled(JobState.RUNNING),
        new JobEvent.RateChanged(1_000_000, 5),
        new JobEvent.AttemptEnded(stats(), JobState.CANCELLED),
        new JobEvent.AttemptEnded(null, JobState.PAUSED),
        new JobEvent.Succeeded(stats(), digests),
        new JobEvent.Succeeded(new AttemptStats(1, 4000, 100, 180, 0.5, 0, 0, 0, 0, true, 3900), digests), // a delta pull
        new JobEvent.Failed(stats(), "CHECKSUM: chunk 1"),
        new JobEvent.Failed(null, "no such remote"),
        new JobEvent.Interrupted("stopped"),
        // modes: a push names its local root first; a sync keeps its direction and flags, and its log
        new JobEvent.Submitted(new JobSpec("local", "up", "ckpt", "in", 8, Compression.AUTO, 0, 0, null, null,
            JobMode.PUSH, true, false, false), null, "h3"),
        new JobEvent.Submitted(new JobSpec("local", "m", "ckpt", "mirror", 2, Compression.ZSTD, 0, 1, "mirror", null,
            JobMode.SYNC, true, true, false), "k4", "h4"),
        new JobEvent.Submitted(new JobSpec("ckpt", "tree", "local", "t", 4, Compression.AUTO, 0, 0, null, null,
            JobMode.SYNC, false, false, true), null, "h5"),
        new JobEvent.Succeeded(stats(), digests, syncLog()),
        new JobEvent.Failed(stats(), "CHECKSUM: chunk 1", syncLog()),
        new JobEvent.AttemptEnded(null, JobState.PAUSED, syncLog()));
  }

  /** A sync log as the engine writes it (abridged). */
  static JsonObject syncLog() {
    return new JsonObject().put("direction", "pull").put("dryRun", false).put("delete", true).put("ok", true)
        .put("files", new JsonArray().add(new JsonObject().put("path", "old.bin").put("action", "deleted").put("size", 5)))
        .put("deletedDirs", new JsonArray().add("gone")).put("totals", new JsonObject().put("filesDeleted", 1));
  }

  @Test
  void everyEventTypeRoundTripsThroughTheJournalsJson() {
    Set<Class<?>> covered = new HashSet<>();
    long seq = 0;
    for (JobEvent e : everyEvent()) {
      JobRecord r = new JobRecord(++seq, 5000 + seq, "job-1", "alice", e);
      JournalRecord onDisk = JobEventJson.toJournal(r);
      assertEquals(e.type(), onDisk.type());
      // through the bytes, as the journal writes and reads them
      JournalRecord read = JournalRecord.fromJson(new JsonObject(onDisk.toJson().encode()));
      assertEquals(r, JobEventJson.fromJournal(read), e.type());
      covered.add(e.getClass());
    }
    assertEquals(Set.of(JobEvent.class.getPermittedSubclasses()), covered, "every kind of event is exercised");
    Set<String> types = new HashSet<>();
    everyEvent().forEach(e -> types.add(e.type()));
    assertEquals(Set.of("submitted", "started", "paused", "resumed", "cancelled", "rate-changed", "attempt-ended",
        "succeeded", "failed", "interrupted"), types, "the type names the journal has always used");
  }

  @Test
  void anOldFormatJournalReplaysAndEncodesToTheSameBytes() throws Exception {
    Path file = tmp.resolve("journal.log");
    Files.write(file, recordFile(OLD_JOURNAL));
    EventJournal.Opened opened = EventJournal.open(vertx, vertx.getOrCreateContext(), file, 0, 0);
    opened.journal().close();
    assertEquals(OLD_JOURNAL.size(), opened.replay().size());
    JobTable t = new JobTable();
    t.replay(opened.replay());

    Job a = t.get("a");
    assertEquals(JobState.SUCCEEDED, a.state());
    assertEquals(4, a.attempts());
    assertEquals(5000, a.rateLimit());
    assertEquals(2, a.spec().priority());
    assertEquals("nightly", a.spec().label());
    assertEquals("alice", a.submittedBy());
    assertEquals(1000, a.createdAt());
    assertEquals(1015, a.updatedAt());
    assertNull(a.error(), "a new attempt clears the last one's error");
    assertEquals(1 + 2 + 0, a.pastRetries());
    assertEquals(2 + 0 + 1, a.pastReconnects());
    assertEquals(900 + 400 + 1200, a.pastWire());
    assertEquals(3000, a.progress().bytesDone());
    assertEquals(3, a.progress().filesDone());
    assertEquals(List.of("w.bin", "a/x.bin", "b.json"), new ArrayList<>(a.result().digests().keySet()), "in file order");
    assertEquals(a, t.byIdempotencyKey("alice", "key-a"));
    Job b = t.get("b");
    assertEquals(JobState.CANCELLED, b.state());
    assertEquals("UNAVAILABLE: connection refused", b.error());
    assertEquals(100, b.rateLimit());
    assertEquals(Compression.NONE, b.spec().compression());
    assertEquals("", b.spec().sourcePath());
    assertEquals(JobMode.PULL, a.spec().mode(), "a job from before modes is a pull");
    assertEquals(JobMode.PULL, b.spec().mode());
    assertEquals("ckpt", a.spec().remoteName());
    assertEquals("local", a.spec().localName());
    assertEquals(1500, a.lastAttempt().bytes());
    assertNull(a.result().sync(), "no sync log in an old event");

    // each event encodes to the very bytes it was read from, in the journal and in a snapshot
    List<String> again = new ArrayList<>();
    List<JobRecord> all = new ArrayList<>(a.events());
    all.addAll(b.events());
    all.sort((x, y) -> Long.compare(x.seq(), y.seq()));
    all.forEach(r -> again.add(JobEventJson.toJournal(r).toJson().encode()));
    assertEquals(OLD_JOURNAL, again);
    JsonObject snap = t.toSnapshot();
    JsonArray snapEvents = snap.getJsonArray("jobs").getJsonObject(0).getJsonArray("events");
    assertEquals(OLD_JOURNAL.get(0), snapEvents.getJsonObject(0).encode());
    assertEquals(new JsonObject(OLD_JOURNAL.get(15)).getJsonObject("data").encode(),
        snap.getJsonArray("jobs").getJsonObject(0).getJsonObject("result").encode(), "the result is the succeeded event's data");
  }

  @Test
  void anOldFormatSnapshotReplaysToTheSameTable() {
    // A snapshot as the gateway wrote it (JobTable.toSnapshot before typed events), after event 9.
    JsonArray eventsA = new JsonArray();
    JsonArray eventsB = new JsonArray();
    for (String line : OLD_JOURNAL.subList(0, 9)) {
      JsonObject r = new JsonObject(line);
      (r.getString("job").equals("a") ? eventsA : eventsB).add(r);
    }
    JsonObject old = new JsonObject("{\"lastSeq\":9,\"jobs\":["
        + "{\"id\":\"a\",\"spec\":" + new JsonObject(OLD_JOURNAL.get(0)).getJsonObject("data").getJsonObject("spec").encode()
        + ",\"createdAt\":1000,\"submittedBy\":\"alice\",\"idempotencyKey\":\"key-a\",\"requestHash\":\"h-a\","
        + "\"state\":\"queued\",\"updatedAt\":1006,\"rateLimit\":5000,\"attempts\":1,\"error\":null,\"result\":null,"
        + "\"pastRetries\":1,\"pastReconnects\":2,\"pastWire\":900,\"progress\":{\"bytesDone\":1000,\"bytesTotal\":3000,"
        + "\"filesDone\":1,\"filesTotal\":3},\"events\":" + eventsA.encode() + "},"
        + "{\"id\":\"b\",\"spec\":" + new JsonObject(OLD_JOURNAL.get(1)).getJsonObject("data").getJsonObject("spec").encode()
        + ",\"createdAt\":1001,\"submittedBy\":\"bob\",\"idempotencyKey\":null,\"requestHash\":\"h-b\","
        + "\"state\":\"failed\",\"updatedAt\":1008,\"rateLimit\":100,\"attempts\":1,\"error\":\"UNAVAILABLE: connection refused\","
        + "\"result\":null,\"pastRetries\":0,\"pastReconnects\":0,\"pastWire\":0,\"progress\":{\"bytesDone\":0,"
        + "\"bytesTotal\":0,\"filesDone\":0,\"filesTotal\":0},\"events\":" + eventsB.encode() + "}]}");
    JobTable t = JobTable.fromSnapshot(old);
    assertEquals(old.encode(), t.toSnapshot().encode(), "a snapshot reads and writes back byte for byte");
    List<JournalRecord> rest = new ArrayList<>();
    for (String line : OLD_JOURNAL.subList(9, OLD_JOURNAL.size())) {
      rest.add(JournalRecord.fromJson(new JsonObject(line)));
    }
    t.replay(rest);

    JobTable full = new JobTable();
    for (String line : OLD_JOURNAL) {
      full.replay(List.of(JournalRecord.fromJson(new JsonObject(line))));
    }
    assertEquals(JobState.SUCCEEDED, t.get("a").state());
    assertEquals(JobState.CANCELLED, t.get("b").state());
    assertEquals(full.toSnapshot().encode(), t.toSnapshot().encode(), "snapshot and rest replay to the whole journal's table");
  }

  @Test
  void anUnknownTypeOrAMissingOrMalformedFieldIsRefusedWithItsSequenceNumber() {
    assertRefused("journal event 7 has an unknown type 'exploded'", 7, "exploded", new JsonObject());
    assertRefused("journal event 8 (started): no field 'attempt'", 8, "started", new JsonObject());
    assertRefused("journal event 9 (started): field 'attempt' is not a number: one", 9, "started",
        new JsonObject().put("attempt", "one"));
    assertRefused("journal event 10 (rate-changed): no field 'from'", 10, "rate-changed",
        new JsonObject().put("rateLimit", 5));
    assertRefused("journal event 11 (rate-changed): field 'rateLimit' is not a whole number: 1.5", 11, "rate-changed",
        new JsonObject().put("rateLimit", 1.5).put("from", 0));
    assertRefused("journal event 12 (paused): unknown job state 'asleep'", 12, "paused",
        new JsonObject().put("from", "asleep"));
    assertRefused("journal event 13 (submitted): no field 'spec'", 13, "submitted",
        new JsonObject().put("requestHash", "h"));
    assertRefused("journal event 14 (submitted): expected NAME:PATH, got 'nowhere'", 14, "submitted",
        new JsonObject().put("spec", new JsonObject().put("source", "nowhere").put("destination", "local:x")
            .put("lanes", 1).put("compression", "auto")).put("requestHash", "h"));
    assertRefused("journal event 15 (succeeded): no field 'digests'", 15, "succeeded",
        statsJson());
    assertRefused("journal event 16 (succeeded): no field 'files'", 16, "succeeded",
        new JsonObject().put("digests", new JsonObject()));
    assertRefused("journal event 17 (failed): no field 'verified'", 17, "failed",
        statsJson().put("error", "x").putNull("verified"));
    assertRefused("journal event 18 (interrupted): no field 'reason'", 18, "interrupted", new JsonObject());
    assertRefused("journal event 19 (succeeded): field 'sync' is not an object: deleted", 19, "succeeded",
        statsJson().put("digests", new JsonObject()).put("sync", "deleted"));
    assertRefused("journal event 20 (submitted): mode must be pull, push or sync, got 'mirror'", 20, "submitted",
        new JsonObject().put("spec", new JsonObject().put("source", "ckpt:x").put("destination", "local:x")
            .put("lanes", 1).put("compression", "auto").put("mode", "mirror")).put("requestHash", "h"));
  }

  @Test
  void aJournalWithAnEventTheGatewayCannotReadRefusesToReplay() throws Exception {
    List<String> lines = new ArrayList<>(OLD_JOURNAL.subList(0, 3));
    lines.add("{\"seq\":4,\"time\":1003,\"job\":\"a\",\"type\":\"rate-changed\",\"actor\":\"alice\",\"data\":{\"rateLimit\":5}}");
    Path file = tmp.resolve("journal.log");
    Files.write(file, recordFile(lines));
    EventJournal.Opened opened = EventJournal.open(vertx, vertx.getOrCreateContext(), file, 0, 0);
    opened.journal().close();
    JobTable t = new JobTable();
    JournalCorruptException e = assertThrows(JournalCorruptException.class, () -> t.replay(opened.replay()));
    assertEquals("journal event 4 (rate-changed): no field 'from'", e.getMessage());
    assertEquals(3, t.lastSeq(), "the events before it are in");
  }

  /** An attempt's statistics as the journal holds them. */
  private static JsonObject statsJson() {
    return new JsonObject().put("files", 1).put("totalBytes", 10).put("bytes", 10).put("wireBytes", 10).put("seconds", 0.5)
        .put("chunks", 1).put("retriedChunks", 0).put("resumedChunks", 0).put("reconnects", 0).put("verified", true);
  }

  private static void assertRefused(String message, long seq, String type, JsonObject data) {
    JournalCorruptException e = assertThrows(JournalCorruptException.class, () -> JobEventJson.decode(seq, type, data));
    assertEquals(message, e.getMessage());
    assertTrue(e.getMessage().contains("event " + seq), e.getMessage());
  }

  /** The journal file's bytes for these JSON payloads: {@code u32 length | u32 CRC32C | payload}, little-endian. */
  static byte[] recordFile(List<String> lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : lines) {
      byte[] p = line.getBytes(StandardCharsets.UTF_8);
      ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(p.length)
          .putInt(Crc32c.of(p, 0, p.length));
      out.writeBytes(head.array());
      out.writeBytes(p);
    }
    return Arrays.copyOf(out.toByteArray(), out.size());
  }
}
