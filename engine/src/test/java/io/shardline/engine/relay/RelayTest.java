package io.shardline.engine.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.server.FaultHook;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.testutil.Await;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.tls.SelfSignedCert;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.PullSession;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relays on 127.0.0.1: an origin serves a tree slowly (rate-limited, so relays and their
 * downstreams really overlap), relays pull it and serve it at once, and downstreams pull from
 * relays. Every node uses the origin's certificate, so one pin trusts them all.
 */
class RelayTest {
  private static final int CHUNK = 256 * 1024;
  private static final long BIG = 12L * 1024 * 1024 + 4321;
  private static final long ORIGIN_RATE = 12L * 1024 * 1024;

  @TempDir
  Path tmp;
  Vertx vertx;
  Path originRoot;
  Path[] pair;
  ShardlineServer origin;
  ShardlineServer.Info originInfo;
  final List<Relay> relays = new ArrayList<>();

  @BeforeEach
  void tree() throws Exception {
    vertx = Vertx.vertx();
    originRoot = Files.createDirectories(tmp.resolve("origin"));
    TestFiles.random(originRoot.resolve("ckpt/model.bin"), BIG, 1);
    TestFiles.random(originRoot.resolve("ckpt/opt/state.bin"), 3L * CHUNK + 5, 2);
    TestFiles.random(originRoot.resolve("ckpt/config.json"), 700, 3);
    pair = SelfSignedCert.ensure(tmp.resolve("certs"));
  }

  @AfterEach
  void stop() throws Exception {
    for (Relay r : relays) {
      await(r.close());
    }
    await(vertx.close());
  }

  private void startOrigin(long rate, FaultHook hook) throws Exception {
    origin = new ShardlineServer(vertx, serveOptions(tmp.resolve("origin-state")).root(originRoot).rateLimit(rate)
        .faultHook(hook));
    originInfo = await(origin.start());
  }

  private ServeOptions serveOptions(Path state) {
    return new ServeOptions().host("127.0.0.1").port(0).stateDir(state).instances(2)
        .certPem(pair[0]).keyPem(pair[1]);
  }

  private PullOptions pullOptions(Path dest, ShardlineServer.Info... from) {
    List<ShardlineUrl> sources = new ArrayList<>();
    for (ShardlineServer.Info i : from) {
      sources.add(new ShardlineUrl("127.0.0.1", i.port(), i == originInfo ? "ckpt" : ""));
    }
    return new PullOptions().sources(sources).destination(dest).lanes(3).chunkSize(CHUNK)
        .trust(new Trust.Pinned(originInfo.fingerprint())).stallTimeoutMs(2_000).progressTimeoutMs(30_000)
        .connectTimeoutMs(5_000);
  }

  /** Starts a relay of {@code from} (in order of preference) into {@code dir}. */
  private Relay relay(String dir, long notYetWaitMs, ShardlineServer.Info... from) throws Exception {
    Relay r = new Relay(vertx, pullOptions(tmp.resolve(dir), from),
        serveOptions(tmp.resolve(dir + "-state")).notYetWaitMs(notYetWaitMs), Relay.DEFAULT_MEMORY_BYTES);
    relays.add(r);
    await(r.start());
    return r;
  }

  private PullResult pull(Path dest, ShardlineServer.Info... from) throws Exception {
    return await(new PullSession(vertx, pullOptions(dest, from)).run());
  }

  @Test
  void aDownstreamPullsFromARelayWhileTheRelayIsStillPullingAndGetsTheOriginsBytes() throws Exception {
    startOrigin(ORIGIN_RATE, FaultHook.NONE);
    AtomicLong relayDone = new AtomicLong();
    Relay r = relay("relay", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, originInfo);
    r.pulled().onComplete(ar -> relayDone.set(System.nanoTime()));
    assertFalse(r.pulled().isComplete(), "the relay serves before its pull is done");
    long started = System.nanoTime();
    PullSession down = new PullSession(vertx, pullOptions(tmp.resolve("down"), r.server().info()));
    PullResult d = await(down.run());
    PullResult up = await(r.pulled());
    assertTrue(up.ok(), up.errors().toString());
    assertTrue(d.ok(), d.errors().toString());
    assertSameTree(originRoot.resolve("ckpt"), tmp.resolve("relay"));
    assertSameTree(originRoot.resolve("ckpt"), tmp.resolve("down"));
    assertEquals(up.digests(), d.digests(), "the downstream verified against the origin's roots");
    long firstData = started + (long) (d.firstByteSeconds() * 1e9);
    assertTrue(firstData < relayDone.get(), "the downstream got chunks before the relay had the whole tree");
    assertTrue(d.seconds() < up.seconds() * 1.5 + 1, "the downstream finished close behind the relay: "
        + d.seconds() + " s vs " + up.seconds() + " s");
  }

  @Test
  void aRelayHoldingAnOlderVersionReusesItsUnchangedChunksAndServesThemDownstream() throws Exception {
    // the relay's folder holds the previous checkpoint: the same model with two chunks rewritten since
    byte[] next = Files.readAllBytes(originRoot.resolve("ckpt/model.bin"));
    byte[] prev = next.clone();
    for (int at : new int[] {CHUNK + 10, 7 * CHUNK + 99}) {
      prev[at] ^= 0x5A;
    }
    Files.write(Files.createDirectories(tmp.resolve("relay")).resolve("model.bin"), prev);
    startOrigin(0, FaultHook.NONE);
    Relay r = new Relay(vertx, pullOptions(tmp.resolve("relay"), originInfo).sources(List.of(
        new ShardlineUrl("127.0.0.1", originInfo.port(), "ckpt/model.bin"))),
        serveOptions(tmp.resolve("relay-state")), Relay.DEFAULT_MEMORY_BYTES);
    relays.add(r);
    await(r.start());
    PullResult up = await(r.pulled());
    assertTrue(up.ok(), up.errors().toString());
    long chunks = (BIG + CHUNK - 1) / CHUNK;
    assertEquals(chunks - 2, up.reusedChunks(), "every chunk but the two rewritten came from the older version");
    assertArrayEquals(next, Files.readAllBytes(tmp.resolve("relay/model.bin")));
    PullResult down = pull(tmp.resolve("down"), r.server().info());
    assertTrue(down.ok(), down.errors().toString());
    assertArrayEquals(next, Files.readAllBytes(tmp.resolve("down/model.bin")), "reused chunks are served too");
    assertEquals(up.digests(), down.digests());
  }

  @Test
  void aChunkTheRelayHasNotYetIsAnsweredNotYetAndFetchedOnceItArrives() throws Exception {
    // The origin never answers the first GET of the big file's chunk 5: the relay's lane stalls
    // (2 s) and fetches it again, while its downstream is told NOT_YET and comes back.
    AtomicBoolean stalled = new AtomicBoolean();
    startOrigin(0, (path, offset, lane, seq) -> path.endsWith("model.bin") && offset == 5L * CHUNK
        && stalled.compareAndSet(false, true) ? FaultHook.Action.STALL : FaultHook.Action.PASS);
    Relay r = relay("relay", 150, originInfo);
    PullSession down = new PullSession(vertx, pullOptions(tmp.resolve("down"), r.server().info()));
    PullResult d = await(down.run());
    assertTrue(d.ok(), d.errors().toString());
    assertTrue(stalled.get());
    assertTrue(down.counters().notYet.sum() > 0, "the downstream was told NOT_YET at least once");
    assertEquals(0, d.retriedChunks(), "NOT_YET is not a failed attempt");
    assertSameTree(originRoot.resolve("ckpt"), tmp.resolve("down"));
    assertTrue(await(r.pulled()).ok());
  }

  @Test
  void aChainOfThreeRelaysGivesByteIdenticalVerifiedCopiesWithTheOriginSendingOneCopy() throws Exception {
    startOrigin(ORIGIN_RATE, FaultHook.NONE);
    Relay r1 = relay("r1", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, originInfo);
    Relay r2 = relay("r2", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, r1.server().info());
    Relay r3 = relay("r3", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, r2.server().info());
    StringBuilder times = new StringBuilder("chain of 3 relays, origin at " + ORIGIN_RATE / 1e6 + " MB/s:");
    for (Relay r : List.of(r1, r2, r3)) {
      PullResult p = await(r.pulled());
      assertTrue(p.ok(), p.errors().toString());
      times.append(String.format(java.util.Locale.ROOT, " %.2f s (first byte %.2f s, %d NOT_YET);", p.seconds(),
          p.firstByteSeconds(), r.session().counters().notYet.sum()));
    }
    System.out.println(times);
    for (String d : List.of("r1", "r2", "r3")) {
      assertSameTree(originRoot.resolve("ckpt"), tmp.resolve(d));
    }
    long chunks = chunkCount(originRoot.resolve("ckpt"));
    assertTrue(origin.servedChunks() <= chunks * 11 / 10, "the origin sent " + origin.servedChunks()
        + " chunks for a tree of " + chunks);
    assertEquals(await(r1.pulled()).digests(), await(r3.pulled()).digests());
  }

  @Test
  void aRelayKilledMidwayIsRoutedAroundByADownstreamThatNamesTheOriginToo() throws Exception {
    startOrigin(ORIGIN_RATE, FaultHook.NONE);
    Relay r1 = relay("r1", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, originInfo);
    PullSession down = new PullSession(vertx, pullOptions(tmp.resolve("down"), r1.server().info(), originInfo));
    Future<PullResult> run = down.run();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (down.counters().chunks.sum() < 10 && System.nanoTime() < deadline && !run.isComplete()) {
      Thread.sleep(10); // the test thread polls; no event loop waits
    }
    assertFalse(run.isComplete(), "the downstream ended before the relay could be killed");
    await(r1.close());
    PullResult d = await(run);
    assertTrue(d.ok(), d.errors().toString());
    assertSameTree(originRoot.resolve("ckpt"), tmp.resolve("down"));
    assertTrue(d.sources().get(0).chunks() > 0 && d.sources().get(1).chunks() > 0, d.toJson());
    try (Stream<Path> left = Files.list(tmp.resolve("r1"))) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().equals("model.bin")),
          "the killed relay published nothing partial");
    }
  }

  @Test
  void aChainHopWhoseParentDiesFailsOverToTheHopAboveAndTheOriginStillSendsAboutOneCopy() throws Exception {
    startOrigin(ORIGIN_RATE, FaultHook.NONE);
    Relay r1 = relay("r1", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, originInfo);
    Relay r2 = new Relay(vertx, pullOptions(tmp.resolve("r2"), r1.server().info(), originInfo).failover(true),
        serveOptions(tmp.resolve("r2-state")), Relay.DEFAULT_MEMORY_BYTES);
    relays.add(r2);
    await(r2.start());
    PullSession r3 = new PullSession(vertx, pullOptions(tmp.resolve("r3"), r2.server().info(), r1.server().info(),
        originInfo).failover(true));
    Future<PullResult> run = r3.run();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (r2.session().counters().chunks.sum() < 15 && System.nanoTime() < deadline) {
      Thread.sleep(10); // the test thread polls; no event loop waits
    }
    assertFalse(r2.pulled().isComplete(), "r2 finished before r1 could be killed");
    await(r1.close());
    long r1Had = r1.session().counters().chunks.sum();
    long r2Had = r2.session().counters().chunks.sum();
    PullResult p2 = await(r2.pulled());
    PullResult p3 = await(run);
    assertTrue(p2.ok(), p2.errors().toString());
    assertTrue(p3.ok(), p3.errors().toString());
    assertSameTree(originRoot.resolve("ckpt"), tmp.resolve("r2"));
    assertSameTree(originRoot.resolve("ckpt"), tmp.resolve("r3"));
    assertTrue(p2.sources().get(1).chunks() > 0, "r2 went to the origin: " + p2.toJson());
    assertEquals(0, p3.sources().get(2).chunks(), "r3 never needed the origin: " + p3.toJson());
    long chunks = chunkCount(originRoot.resolve("ckpt"));
    long inFlight = 3 * 4; // lanes x window of the killed relay
    assertTrue(origin.servedChunks() <= r1Had + (chunks - r2Had) + inFlight, "the origin sent "
        + origin.servedChunks() + " chunks: r1 had " + r1Had + ", r2 still needed " + (chunks - r2Had) + " of " + chunks);
  }

  @Test
  void aLateJoinerTakesChunksFromARelayThatIsCompleteAndOneThatIsStillPulling() throws Exception {
    startOrigin(ORIGIN_RATE, FaultHook.NONE);
    Relay seed = relay("seed", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, originInfo);
    assertTrue(await(seed.pulled()).ok());
    Relay filling = relay("filling", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, originInfo);
    PullResult late = pull(tmp.resolve("late"), filling.server().info(), seed.server().info());
    assertTrue(late.ok(), late.errors().toString());
    assertSameTree(originRoot.resolve("ckpt"), tmp.resolve("late"));
    assertTrue(late.sources().get(0).chunks() > 0 && late.sources().get(1).chunks() > 0, late.toJson());
    assertTrue(await(filling.pulled()).ok()); // (and no read of the origin is in flight when the test ends)
  }

  @Test
  void aRelayServesOnlyItsChunkSizeAndItsOwnFiles() throws Exception {
    startOrigin(0, FaultHook.NONE);
    Relay r = relay("relay", ServeOptions.DEFAULT_NOT_YET_WAIT_MS, originInfo);
    assertTrue(await(r.pulled()).ok());
    PullResult other = await(new PullSession(vertx, pullOptions(tmp.resolve("a"), r.server().info())
        .chunkSize(CHUNK * 2)).run());
    assertFalse(other.ok());
    assertTrue(other.errors().toString().contains("pull with --chunk-size " + CHUNK), other.errors().toString());
    PullOptions missing = pullOptions(tmp.resolve("b"), r.server().info())
        .sources(List.of(new ShardlineUrl("127.0.0.1", r.server().info().port(), "nope.bin")));
    PullResult none = await(new PullSession(vertx, missing).run());
    assertFalse(none.ok());
    assertTrue(none.errors().toString().contains("not on this relay"), none.errors().toString());
    PullOptions one = pullOptions(tmp.resolve("c"), r.server().info())
        .sources(List.of(new ShardlineUrl("127.0.0.1", r.server().info().port(), "opt/state.bin")));
    PullResult file = await(new PullSession(vertx, one).run());
    assertTrue(file.ok(), file.errors().toString());
    assertTrue(Arrays.equals(Files.readAllBytes(originRoot.resolve("ckpt/opt/state.bin")),
        Files.readAllBytes(tmp.resolve("c/state.bin"))), "a file is served under the path it landed as");
    assertEquals(ErrorCode.NOT_YET.retryable(), true);
  }

  /** Chunks of every file under {@code dir}. */
  private static long chunkCount(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Math.max(1, (Files.size(p) + CHUNK - 1) / CHUNK);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).sum();
    }
  }

  /** The same regular files with the same bytes, ignoring the destination's state folder. */
  private static void assertSameTree(Path expected, Path actual) throws IOException {
    List<String> want = files(expected);
    assertEquals(want, files(actual), actual + " holds other files");
    for (String f : want) {
      assertTrue(Arrays.equals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f))),
          f + " differs in " + actual);
    }
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
          .filter(n -> !n.startsWith(".shardline")).sorted().toList();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return Await.of(f);
  }

}
