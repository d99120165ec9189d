package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.server.FaultHook;
import io.shardline.engine.tls.SelfSignedCert;
import io.shardline.engine.tls.Trust;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls of one content from several sources on 127.0.0.1: two servers with the same certificate
 * (so one pin trusts both) and, unless a test says otherwise, the same files.
 */
class MultiSourcePullTest {
  private static final long SIZE = 8L * 1024 * 1024 + 777;

  @TempDir
  Path tmp;
  Loopback near;
  Loopback far;
  Path dest;

  @BeforeEach
  void servers() throws Exception {
    near = new Loopback(Files.createDirectories(tmp.resolve("near")));
    far = new Loopback(Files.createDirectories(tmp.resolve("far")));
    dest = tmp.resolve("dest");
    Loopback.file(near.root.resolve("shard.bin"), SIZE, 11);
    Loopback.file(near.root.resolve("sub/small.bin"), 1000, 12);
  }

  @AfterEach
  void close() throws Exception {
    near.close();
    far.close();
  }

  private void startBoth() throws Exception {
    near.start();
    Path[] pair = SelfSignedCert.ensure(near.state);
    far.startWith(o -> o.certPem(pair[0]).keyPem(pair[1]));
  }

  private void copyTree() throws Exception {
    Loopback.file(far.root.resolve("shard.bin"), SIZE, 11);
    Loopback.file(far.root.resolve("sub/small.bin"), 1000, 12);
  }

  private static ShardlineUrl url(Loopback l) {
    return new ShardlineUrl("127.0.0.1", l.info.port(), "");
  }

  private PullOptions options(ShardlineUrl... sources) {
    return near.options("", dest).sources(List.of(sources));
  }

  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort(); // closed when this returns: nothing listens there
    }
  }

  @Test
  void twoAgreeingSourcesGiveTheSameBytesWithChunksFromBoth() throws Exception {
    copyTree();
    startBoth();
    PullResult r = near.pull(options(url(near), url(far)));
    assertTrue(r.ok(), r.errors().toString());
    Loopback.assertSameTree(near.root, dest);
    assertEquals(2, r.sources().size());
    assertEquals(2, r.sources().get(0).lanes());
    assertEquals(2, r.sources().get(1).lanes());
    assertTrue(r.sources().get(0).chunks() > 0 && r.sources().get(1).chunks() > 0, r.toJson());
    assertEquals(r.chunks(), r.sources().get(0).chunks() + r.sources().get(1).chunks());
    assertNull(r.sources().get(1).error());
    assertTrue(r.toJson().contains("\"sources\":[{\"url\":"), r.toJson());
  }

  @Test
  void aSourceWithATrustAndTokenOfItsOwnIsReachedWithThemBesideThePullsOwn() throws Exception {
    copyTree();
    near.start("near-token", FaultHook.NONE);
    far.start("far-token", FaultHook.NONE); // its own self-signed certificate: the pull's pin does not trust it
    PullOptions o = options(url(near), url(far)).token("near-token");
    PullResult refused = near.pull(o);
    assertTrue(refused.ok(), refused.errors().toString()); // the far one is set aside: wrong pin, wrong token
    assertNotNull(refused.sources().get(1).error());
    assertEquals(0, refused.sources().get(1).chunks());

    Path second = tmp.resolve("second");
    o.destination(second).access(url(far), new PullOptions.SourceAccess(new Trust.Pinned(far.info.fingerprint()),
        "far-token"));
    PullResult r = near.pull(o);
    assertTrue(r.ok(), r.errors().toString());
    Loopback.assertSameTree(near.root, second);
    assertNull(r.sources().get(1).error(), r.toJson());
    assertTrue(r.sources().get(0).chunks() > 0 && r.sources().get(1).chunks() > 0, r.toJson());
  }

  @Test
  void thePreferredSourceGetsMostLanes() throws Exception {
    copyTree();
    startBoth();
    PullResult r = near.pull(options(url(far), url(near)).lanes(5));
    assertTrue(r.ok(), r.errors().toString());
    assertEquals(3, r.sources().get(0).lanes());
    assertEquals(url(far).toString(), r.sources().get(0).url());
    assertEquals(2, r.sources().get(1).lanes());
  }

  @Test
  void disagreeingListingsAreRefusedAndNothingIsPublished() throws Exception {
    Loopback.file(far.root.resolve("shard.bin"), SIZE, 99); // same size, other bytes: other root
    Loopback.file(far.root.resolve("sub/small.bin"), 1000, 12);
    startBoth();
    PullResult r = near.pull(options(url(near), url(far)));
    assertFalse(r.ok());
    String why = String.join("; ", r.errors());
    assertTrue(why.contains("disagrees with") && why.contains(url(far).toString()) && why.contains("shard.bin"), why);
    assertEquals(List.of(), Loopback.files(dest));
  }

  @Test
  void aSourceRefusedAtConnectIsSetAsideAndItsLanesGoToAWorkingOne() throws Exception {
    near.start();
    ShardlineUrl dead = new ShardlineUrl("127.0.0.1", deadPort(), "");
    PullResult r = near.pull(options(dead, url(near)));
    assertTrue(r.ok(), r.errors().toString());
    Loopback.assertSameTree(near.root, dest);
    assertNotNull(r.sources().get(0).error());
    assertEquals(0, r.sources().get(0).lanes());
    assertEquals(4, r.sources().get(1).lanes());
  }

  @Test
  void noWorkingSourceFailsClearly() throws Exception {
    near.start();
    PullResult r = near.pull(options(new ShardlineUrl("127.0.0.1", deadPort(), ""),
        new ShardlineUrl("127.0.0.1", deadPort(), "")));
    assertFalse(r.ok());
    assertFalse(r.errors().isEmpty());
    assertEquals(List.of(), Loopback.files(dest));
  }

  @Test
  void aSourceClosedMidwayHandsItsChunksToTheOther() throws Exception {
    copyTree();
    startBoth();
    PullSession session = new PullSession(near.vertx, options(url(near), url(far)).rateLimit(16L * 1024 * 1024));
    var run = session.run();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (session.counters().chunks.sum() < 20 && System.nanoTime() < deadline && !run.isComplete()) {
      Thread.sleep(10); // the test thread polls; no event loop waits
    }
    assertFalse(run.isComplete(), "the pull ended before the source could be closed");
    far.close(); // the far server and its connections go away
    PullResult r = Loopback.await(run);
    assertTrue(r.ok(), r.errors().toString());
    Loopback.assertSameTree(near.root, dest);
    assertTrue(r.sources().get(0).chunks() > r.sources().get(1).chunks(), r.toJson());
  }

  @Test
  void sourcesMayServeTheSameContentUnderOtherPaths() throws Exception {
    // The far node serves the tree one folder down: each lane asks its own server by its own path.
    Loopback.file(far.root.resolve("copy/shard.bin"), SIZE, 11);
    Loopback.file(far.root.resolve("copy/sub/small.bin"), 1000, 12);
    startBoth();
    PullResult r = near.pull(options(url(near), new ShardlineUrl("127.0.0.1", far.info.port(), "copy")));
    assertTrue(r.ok(), r.errors().toString());
    Loopback.assertSameTree(near.root, dest);
    assertTrue(r.sources().get(1).chunks() > 0, r.toJson());
  }

}
