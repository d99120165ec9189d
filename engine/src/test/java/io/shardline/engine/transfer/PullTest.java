package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Loopback pulls over TLS with 4 lanes: sizes at the edges, trees, re-runs. */
class PullTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;

  private PullResult pullAll() throws Exception {
    PullResult r = net.pull(net.options("", dest));
    assertTrue(r.ok(), () -> "pull failed: " + r.errors());
    assertTrue(r.verified());
    Loopback.assertSameTree(net.root, dest);
    return r;
  }

  @Test
  void emptyFile() throws Exception {
    Files.createFile(net.root.resolve("empty.bin"));
    net.start();
    PullResult r = pullAll();
    assertEquals(1, r.files());
    assertEquals(0, r.chunks());
    assertEquals(0, Files.size(dest.resolve("empty.bin")));
    assertFalse(Files.exists(dest.resolve(".shardline")));
  }

  @Test
  void oneByteFile() throws Exception {
    Loopback.file(net.root.resolve("one.bin"), 1, 1);
    net.start();
    PullResult r = pullAll();
    assertEquals(1, r.chunks());
    assertEquals(1, r.bytes());
  }

  @Test
  void chunkSizeEdges() throws Exception {
    Loopback.file(net.root.resolve("minus.bin"), CHUNK - 1, 2);
    Loopback.file(net.root.resolve("exact.bin"), CHUNK, 3);
    Loopback.file(net.root.resolve("plus.bin"), CHUNK + 1, 4);
    net.start();
    PullResult r = pullAll();
    assertEquals(3, r.files());
    assertEquals(1 + 1 + 2, r.chunks());
  }

  @Test
  void multiChunkFileOverFourLanes() throws Exception {
    Loopback.file(net.root.resolve("shard.bin"), 8L * 1024 * 1024 + 12345, 5);
    net.start();
    PullResult r = pullAll();
    assertEquals(4, r.lanes());
    assertEquals(129, r.chunks());
    assertEquals(0, r.retriedChunks());
    assertEquals(r.bytes() + 129L * 26, r.wireBytes(), "wire bytes = payload + 26-byte DATA framing per chunk");
  }

  @Test
  void treeOfManySmallFiles() throws Exception {
    for (int i = 0; i < 230; i++) {
      Loopback.file(net.root.resolve("d" + (i % 7) + "/sub" + (i % 3) + "/f" + i + ".bin"), 1 + i * 97L, 100 + i);
    }
    net.start();
    PullResult r = pullAll();
    assertEquals(230, r.files());
  }

  @Test
  void singleFileAndSubdirectory() throws Exception {
    Loopback.file(net.root.resolve("a/b/model.safetensors"), 300_000, 6);
    Loopback.file(net.root.resolve("a/c/other.bin"), 10, 7);
    net.start();
    PullResult r = net.pull(net.options("a/b/model.safetensors", dest));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(-1L, Files.mismatch(net.root.resolve("a/b/model.safetensors"), dest.resolve("model.safetensors")));
    Path dest2 = tmp.resolve("dest2");
    r = net.pull(net.options("/a/", dest2));
    assertTrue(r.ok(), r.errors()::toString);
    Loopback.assertSameTree(net.root.resolve("a"), dest2);
  }

  @Test
  void rerunFindsCompleteFilesAndFetchesNothing() throws Exception {
    Loopback.file(net.root.resolve("x.bin"), 1_000_000, 8);
    net.start();
    pullAll();
    PullResult again = pullAll();
    assertEquals(0, again.chunks());
    assertEquals(16, again.resumedChunks());
    assertFalse(Files.exists(dest.resolve(".shardline")), "a finished pull leaves no state folder");
  }

  @Test
  void changedDestinationFileIsReplaced() throws Exception {
    Loopback.file(net.root.resolve("x.bin"), 200_000, 9);
    net.start();
    pullAll();
    Loopback.file(dest.resolve("x.bin"), 200_000, 10); // same size, other bytes
    PullResult r = pullAll();
    assertEquals(4, r.chunks());
  }

  @Test
  void aSecondPullIntoTheSameDestinationIsRefused() throws Exception {
    Loopback.file(net.root.resolve("x.bin"), 100_000, 14);
    net.start();
    io.shardline.engine.storage.DestinationLock held = io.shardline.engine.storage.DestinationLock.acquire(dest);
    try {
      PullResult r = net.pull(net.options("", dest));
      assertFalse(r.ok());
      assertTrue(r.errors().get(0).contains("another pull is writing"), r.errors()::toString);
      assertFalse(Files.exists(dest.resolve("x.bin")));
    } finally {
      held.release();
    }
    pullAll(); // once the other pull is done, this one goes through
  }

  @Test
  void missingRemotePathFailsCleanly() throws Exception {
    net.start();
    PullResult r = net.pull(net.options("nope", dest));
    assertFalse(r.ok());
    assertTrue(r.errors().get(0).contains("no such file"), r.errors()::toString);
    assertFalse(Files.exists(dest));
  }
}
