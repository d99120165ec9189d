package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.transfer.Compression;
import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.config.Role;
import io.shardline.gateway.config.GatewayConfig;
import io.shardline.gateway.journal.EventJournal;
import io.shardline.gateway.journal.JournalRecord;
import io.shardline.gateway.journal.SnapshotStore;
import io.shardline.gateway.testutil.FullDiskChannel;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, defect 3: an event is applied only once it is durable. The journal's file is a real
 * file behind a fault-injecting channel whose disk fills up on command (writes what fits, then
 * ENOSPC): a refused command changes nothing, no listener hears it, the journal on disk holds no
 * trace of it and no gap, and once the disk has room again a retry with the same
 * Idempotency-Key creates the job once.
 */
@Timeout(60)
class DurableCommandsTest {
  static final Caller ALICE = new Caller("alice", Role.OPERATOR);

  @TempDir
  Path tmp;
  final Vertx vertx = Vertx.vertx();
  final AtomicLong spaceLeft = new AtomicLong(FullDiskChannel.UNLIMITED);
  final List<JobRecord> heard = new ArrayList<>();
  Context ctx;
  EventJournal journal;
  JobTable table;
  JobService jobs;
  WorkerExecutor io;
  Path file;

  @BeforeEach
  void open() throws Exception {
    file = tmp.resolve("journal.log");
    ctx = vertx.getOrCreateContext();
    io = vertx.createSharedWorkerExecutor("test-io", 1);
    GatewayConfig c = GatewayConfig.parse(new JsonObject().put("dataDir", tmp.toString())
        .put("remotes", new JsonObject().put("ckpt", new JsonObject().put("url", "shardline://127.0.0.1:1")
            .put("trust", "sha256:" + "ab".repeat(32))))
        .put("destinations", new JsonObject().put("local", tmp.resolve("dest").toString()))
        .put("tokens", new JsonArray().add(new JsonObject().put("token", "op-secret-token").put("role", "operator"))), tmp);
    journal = EventJournal.open(vertx, ctx, file, 0, 0, f -> FullDiskChannel.open(f, spaceLeft)).journal();
    table = new JobTable();
    jobs = new JobService(ctx, table, journal, new SnapshotStore(tmp), io, 1000, new JobPaths(c.remotes(), c.destinations()));
    jobs.addListener((job, event) -> heard.add(event));
  }

  @AfterEach
  void close() throws Exception {
    journal.close();
    GatewayHarness.await(vertx.close());
  }

  /** Runs {@code f} on the gateway's context and waits for its outcome (a failure is returned, not thrown). */
  private <T> Future<T> on(Supplier<Future<T>> f) throws Exception {
    Promise<Future<T>> p = Promise.promise();
    ctx.runOnContext(v -> f.get().onComplete(ar -> p.complete(ar.succeeded() ? Future.succeededFuture(ar.result())
        : Future.failedFuture(ar.cause()))));
    return GatewayHarness.await(p.future());
  }

  private static JobSpec spec(String dest) {
    return new JobSpec("ckpt", "models", "local", dest, 4, Compression.AUTO, 0, 0, null);
  }

  private static void assertUnavailable(Future<?> f) {
    assertTrue(f.failed(), "expected a refusal");
    assertTrue(f.cause() instanceof JobException e && e.kind() == JobException.Kind.UNAVAILABLE, f.cause().toString());
  }

  @Test
  void aCommandTheJournalRefusesChangesNothing() throws Exception {
    Job a = on(() -> jobs.submit(spec("a"), ALICE, "key-a", "h-a")).result().job();
    Job running = on(() -> jobs.submit(spec("r"), ALICE, null, "h-r")).result().job();
    on(() -> jobs.change(running.id(), Caller.SYSTEM, j -> new JobEvent.Started(1)));
    assertEquals(3, heard.size());

    spaceLeft.set(10); // the disk fills up: the next write gets 10 bytes out, then ENOSPC
    assertUnavailable(on(() -> jobs.submit(spec("b"), ALICE, "key-b", "h-b")));
    assertFalse(journal.writable());
    assertEquals(2, table.size(), "a refused job is not in the table");
    assertNull(table.byIdempotencyKey("alice", "key-b"));
    assertUnavailable(on(() -> jobs.pause(a.id(), ALICE)));
    assertUnavailable(on(() -> jobs.cancel(a.id(), ALICE)));
    assertUnavailable(on(() -> jobs.rateLimit(a.id(), 1000, ALICE)));
    assertUnavailable(on(() -> jobs.cancel(running.id(), ALICE)));
    assertUnavailable(on(() -> jobs.change(running.id(), Caller.SYSTEM, j -> new JobEvent.Succeeded(
        new AttemptStats(0, 0, 0, 0, 0, 0, 0, 0, 0, true), Map.of()))));
    assertEquals(JobState.QUEUED, a.state());
    assertEquals(0, a.rateLimit());
    assertEquals(1, a.events().size());
    assertEquals(JobState.RUNNING, running.state());
    assertEquals(3, heard.size(), "no listener (the runner, event streams) hears a refused event");
    assertFalse(on(() -> journal.probe()).result(), "the disk is still full");

    spaceLeft.set(FullDiskChannel.UNLIMITED); // room again
    assertTrue(on(() -> journal.probe()).result());
    assertTrue(journal.writable());
    JobService.Submitted b = on(() -> jobs.submit(spec("b"), ALICE, "key-b", "h-b")).result();
    assertTrue(b.created(), "the retry creates the job the refused request did not");
    JobService.Submitted again = on(() -> jobs.submit(spec("b"), ALICE, "key-b", "h-b")).result();
    assertFalse(again.created());
    assertEquals(b.job().id(), again.job().id());
    assertEquals(JobState.PAUSED, on(() -> jobs.pause(a.id(), ALICE)).result().state());
    assertEquals(3, table.size());

    // On disk: the accepted events only, numbered without a gap, replaying to the same table.
    journal.close();
    EventJournal.Opened reopened = EventJournal.open(vertx, ctx, file, 0, 0);
    journal = reopened.journal();
    List<JournalRecord> replay = reopened.replay();
    assertEquals(List.of("submitted", "submitted", "started", "submitted", "paused"),
        replay.stream().map(JournalRecord::type).toList());
    for (int i = 0; i < replay.size(); i++) {
      assertEquals(i + 1, replay.get(i).seq());
    }
    assertEquals(heard, replay.stream().map(JobEventJson::fromJournal).toList(), "listeners heard exactly what is durable");
    JobTable rebuilt = new JobTable();
    rebuilt.replay(replay);
    assertEquals(table.toSnapshot(), rebuilt.toSnapshot());
  }

  @Test
  void racingCommandsOnOneJobSeeEachOther() throws Exception {
    Job a = on(() -> jobs.submit(spec("a"), ALICE, null, "h-a")).result().job();
    // two pauses sent at once: the second is checked against the state the first left
    Promise<List<Future<Job>>> p = Promise.promise();
    ctx.runOnContext(v -> {
      List<Future<Job>> fs = List.of(jobs.pause(a.id(), ALICE), jobs.pause(a.id(), ALICE), jobs.cancel(a.id(), ALICE));
      Future.join(fs).onComplete(ar -> p.complete(fs));
    });
    List<Future<Job>> results = GatewayHarness.await(p.future());
    assertTrue(results.get(0).succeeded());
    assertTrue(results.get(1).failed());
    assertEquals(JobException.Kind.CONFLICT, ((JobException) results.get(1).cause()).kind());
    assertTrue(results.get(2).succeeded());
    assertEquals(JobState.CANCELLED, a.state());
    // the same Idempotency-Key twice at once, on a full disk and then with room: never two jobs
    spaceLeft.set(0);
    Promise<List<Future<JobService.Submitted>>> q = Promise.promise();
    ctx.runOnContext(v -> {
      List<Future<JobService.Submitted>> fs = List.of(jobs.submit(spec("k"), ALICE, "k", "h-k"),
          jobs.submit(spec("k"), ALICE, "k", "h-k"));
      Future.join(fs).onComplete(ar -> q.complete(fs));
    });
    GatewayHarness.await(q.future()).forEach(DurableCommandsTest::assertUnavailable);
    spaceLeft.set(FullDiskChannel.UNLIMITED);
    Promise<List<Future<JobService.Submitted>>> r = Promise.promise();
    ctx.runOnContext(v -> {
      List<Future<JobService.Submitted>> fs = List.of(jobs.submit(spec("k"), ALICE, "k", "h-k"),
          jobs.submit(spec("k"), ALICE, "k", "h-k"));
      Future.join(fs).onComplete(ar -> r.complete(fs));
    });
    List<Future<JobService.Submitted>> both = GatewayHarness.await(r.future());
    assertTrue(both.get(0).result().created());
    assertFalse(both.get(1).result().created());
    assertEquals(both.get(0).result().job().id(), both.get(1).result().job().id());
    assertEquals(2, table.size());
    assertNotEquals(a.id(), both.get(0).result().job().id());
  }
}
