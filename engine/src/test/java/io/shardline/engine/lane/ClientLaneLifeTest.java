package io.shardline.engine.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.lane.ClientLane.State;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@link ClientLane} against a real server on 127.0.0.1 (plain TCP, the lane logic is the
 * same): its {@link ClientLane#state()} walks the class comment's table.
 */
class ClientLaneLifeTest {
  @TempDir
  Path tmp;
  final Vertx serverVertx = Vertx.vertx();
  final Vertx clientVertx = Vertx.vertx();
  final TransferCounters counters = new TransferCounters();
  final AtomicReference<ShardlineException> fatal = new AtomicReference<>();
  ShardlineServer.Info info;

  @BeforeEach
  void serve() throws Exception {
    ServeOptions o = new ServeOptions().root(Files.createDirectories(tmp.resolve("root"))).host("127.0.0.1").port(0)
        .stateDir(tmp.resolve("state")).instances(1).token("right").plaintextForTestsOnly(true);
    info = await(new ShardlineServer(serverVertx, o).start());
  }

  @AfterEach
  void close() throws Exception {
    await(Future.join(clientVertx.close(), serverVertx.close()));
  }

  ClientLane lane(String token) {
    return lane(token, clientVertx.getOrCreateContext());
  }

  ClientLane lane(String token, Context ctx) {
    NetClient client = clientVertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
    ClientConnection.Target target = new ClientConnection.Target("127.0.0.1", info.port(), token,
        Protocol.maxServerFrame(64 * 1024), 5_000, null);
    ClientLane.Settings settings = new ClientLane.Settings(4, 2, 5, 2_000, Backoff.DEFAULT);
    return new ClientLane(1, ctx, client, target, new ChunkScheduler(), clientVertx.createSharedWorkerExecutor("lane-test-disk", 1),
        counters, settings, fatal::set);
  }

  @Test
  void connectsLosesTheServerBacksOffAndStops() throws Exception {
    ClientLane lane = lane("right");
    assertEquals(State.NEW, lane.state());
    lane.start();
    awaitState(lane, EnumSet.of(State.READY));
    assertEquals(1, counters.activeLanes.sum(), "a READY lane is counted as active");

    await(serverVertx.close()); // the server goes away: the connection drops, reconnects are refused
    awaitState(lane, EnumSet.of(State.BACKOFF, State.CONNECTING));
    assertEquals(0, counters.activeLanes.sum(), "leaving READY uncounts the lane");
    assertTrue(counters.reconnects.sum() >= 1);
    assertEquals(null, fatal.get(), "a lost server is retried, not fatal");

    await(lane.stop());
    assertEquals(State.STOPPED, lane.state());
    await(lane.stop()); // idempotent
    assertEquals(State.STOPPED, lane.state());
    assertEquals(0, counters.activeLanes.sum());
  }

  @Test
  void aRefusedTokenFailsTheLaneOnceWithoutReconnecting() throws Exception {
    ClientLane lane = lane("wrong");
    lane.start();
    awaitState(lane, EnumSet.of(State.FAILED));
    ShardlineException e = fatal.get();
    assertNotNull(e, "the failure is reported to the transfer");
    assertEquals(ErrorCode.AUTH_FAILED, e.code());
    assertEquals(0, counters.reconnects.sum(), "a non-retryable error is not retried");
    await(lane.stop());
    assertEquals(State.STOPPED, lane.state());
  }

  @Test
  void aLaneStoppedBeforeItStartsNeverConnects() throws Exception {
    Context ctx = clientVertx.getOrCreateContext();
    ClientLane lane = lane("right", ctx);
    await(lane.stop());
    assertEquals(State.STOPPED, lane.state());
    lane.start();
    // start() runs on the lane's context; a task queued after it there runs after it.
    Promise<Void> after = Promise.promise();
    ctx.runOnContext(v -> after.complete());
    await(after.future());
    await(lane.stop());
    assertEquals(State.STOPPED, lane.state());
    assertEquals(0, counters.activeLanes.sum());
    assertEquals(0, counters.reconnects.sum());
  }

  /** Waits (at most 20 s) until the lane is in one of {@code wanted}. */
  static void awaitState(ClientLane lane, Set<State> wanted) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!wanted.contains(lane.state())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("lane still " + lane.state() + ", wanted one of " + wanted);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
