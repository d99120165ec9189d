package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.FaultHook;
import io.shardline.engine.tls.Fingerprint;
import io.shardline.engine.tls.Trust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults injected on the serving side, and refused clients. */
class FaultTest extends LoopbackTestBase {
  @BeforeEach
  void files() throws Exception {
    Loopback.file(net.root.resolve("shard-a.bin"), 3L * 1024 * 1024 + 7, 11);
    Loopback.file(net.root.resolve("shard-b.bin"), 2L * 1024 * 1024, 12);
  }

  @Test
  void corruptedChunkIsRepairedAlone() throws Exception {
    AtomicInteger corrupted = new AtomicInteger();
    net.start(null, (path, off, lane, seq) -> seq == 7 && corrupted.incrementAndGet() == 1
        ? FaultHook.Action.CORRUPT : FaultHook.Action.PASS);
    PullResult r = net.pull(net.options("", dest));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(1, corrupted.get());
    assertEquals(1, r.retriedChunks(), "only the corrupted chunk is fetched again");
    assertEquals(81, r.chunks());
    Loopback.assertSameTree(net.root, dest);
  }

  @Test
  void persistentCorruptionFailsTheFileWithoutPublishingIt() throws Exception {
    net.start(null, (path, off, lane, seq) -> path.equals("shard-b.bin") && off == 0
        ? FaultHook.Action.CORRUPT : FaultHook.Action.PASS);
    PullResult r = net.pull(net.options("", dest));
    assertFalse(r.ok());
    assertTrue(r.errors().toString().contains("CRC32C"), r.errors()::toString);
    assertFalse(Files.exists(dest.resolve("shard-b.bin")), "a file that failed verification is never published");
    assertEquals(-1L, Files.mismatch(net.root.resolve("shard-a.bin"), dest.resolve("shard-a.bin")));
  }

  @Test
  void droppedLaneIsRequeuedAndReconnected() throws Exception {
    AtomicInteger drops = new AtomicInteger();
    net.start(null, (path, off, lane, seq) -> (seq == 10 || seq == 30) && drops.incrementAndGet() <= 2
        ? FaultHook.Action.DROP_LANE : FaultHook.Action.PASS);
    PullResult r = net.pull(net.options("", dest));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(2, drops.get());
    assertTrue(r.reconnects() >= 2, "lanes reconnected: " + r.reconnects());
    assertTrue(r.retriedChunks() >= 2);
    Loopback.assertSameTree(net.root, dest);
  }

  @Test
  void stalledLaneIsDetectedByTheWatchdog() throws Exception {
    net.start(null, (path, off, lane, seq) -> seq == 5 ? FaultHook.Action.STALL : FaultHook.Action.PASS);
    PullResult r = net.pull(net.options("", dest).stallTimeoutMs(400));
    assertTrue(r.ok(), r.errors()::toString);
    assertTrue(r.reconnects() >= 1);
    Loopback.assertSameTree(net.root, dest);
  }

  @Test
  void serverThatNeverAnswersFailsWithNoProgress() throws Exception {
    net.start(null, (path, off, lane, seq) -> FaultHook.Action.STALL);
    long t0 = System.nanoTime();
    PullResult r = net.pull(net.options("", dest).stallTimeoutMs(300).progressTimeoutMs(1_500));
    assertFalse(r.ok());
    assertTrue(r.errors().get(0).contains("no progress"), r.errors()::toString);
    assertTrue((System.nanoTime() - t0) / 1e9 < 15, "gives up in bounded time");
    assertEquals(0, Loopback.files(dest).size(), "nothing published");
  }

  @Test
  void wrongTokenIsRefusedAndNothingIsCreated() throws Exception {
    net.start("s3cret", FaultHook.NONE);
    PullResult r = net.pull(net.options("", dest).token("guess"));
    assertFalse(r.ok());
    assertTrue(r.errors().get(0).contains("wrong token"), r.errors()::toString);
    assertFalse(Files.exists(dest), "no file or folder is created for a refused request");
    long refused = net.server.refusedClients();
    assertTrue(refused >= 1 && refused <= 5, "the manifest connection and up to 4 lanes are refused: " + refused);
    PullResult none = net.pull(net.options("", dest));
    assertTrue(none.errors().get(0).contains("requires a token"), none.errors()::toString);
    PullResult ok = net.pull(net.options("", dest).token("s3cret"));
    assertTrue(ok.ok(), ok.errors()::toString);
  }

  @Test
  void wrongFingerprintIsRefused() throws Exception {
    net.start();
    Fingerprint other = Fingerprint.parse("sha256:" + "ab".repeat(32));
    long t0 = System.nanoTime();
    PullResult r = net.pull(net.options("", dest).trust(new Trust.Pinned(other)));
    assertFalse(r.ok());
    assertTrue(r.errors().get(0).contains("does not match the pinned"), r.errors()::toString);
    assertTrue((System.nanoTime() - t0) / 1e9 < 10, "an untrusted server is not retried");
    assertFalse(Files.exists(dest));
  }

  @Test
  void aSymlinkInTheDestinationDoesNotLeadWritesOutside() throws Exception {
    Loopback.file(net.root.resolve("sub/x.bin"), 1000, 15);
    Path outside = java.nio.file.Files.createDirectories(tmp.resolve("outside"));
    java.nio.file.Files.createDirectories(dest);
    java.nio.file.Files.createSymbolicLink(dest.resolve("sub"), outside);
    net.start();
    PullResult r = net.pull(net.options("", dest));
    assertFalse(r.ok());
    assertTrue(r.errors().toString().contains("leads outside the destination"), r.errors()::toString);
    assertEquals(0, Loopback.files(outside).size(), "nothing written through the symlink");
  }

  @Test
  void pathEscapesAreRefused() throws Exception {
    Path outside = Loopback.file(tmp.resolve("outside/secret.bin"), 100, 13);
    Files.createSymbolicLink(net.root.resolve("escape"), outside);
    Files.createSymbolicLink(net.root.resolve("escape-dir"), outside.getParent());
    Files.createSymbolicLink(net.root.resolve("inside-link.bin"), net.root.resolve("shard-b.bin"));
    net.start();
    for (String bad : new String[] {"escape", "escape-dir/secret.bin", "escape-dir"}) {
      PullResult r = net.pull(net.options(bad, dest));
      assertFalse(r.ok(), bad);
      assertTrue(r.errors().get(0).contains("outside the served root"), r.errors()::toString);
    }
    assertFalse(Files.exists(dest));
    PullResult all = net.pull(net.options("", dest));
    assertTrue(all.ok(), all.errors()::toString);
    assertFalse(Files.exists(dest.resolve("escape")), "symlinks leading out are skipped in listings");
    assertEquals(-1L, Files.mismatch(net.root.resolve("shard-b.bin"), dest.resolve("inside-link.bin")));
  }
}
