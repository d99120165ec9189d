package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 2: a FIFO (or socket, device) in the served tree must not hang the server.
 * Opening a FIFO for reading blocks until a writer appears, so before the fix a few GETs for one
 * held every disk worker and every later LIST or GET on the node hung. Now such files are
 * refused (never opened) and skipped in listings, and other pulls on the node are served.
 */
class SpecialFileTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;
  final List<Path> fifos = new ArrayList<>();

  private void mkfifo(Path p) throws Exception {
    Files.createDirectories(p.getParent());
    Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
    proc.getInputStream().readAllBytes();
    assumeTrue(proc.waitFor(10, TimeUnit.SECONDS) && proc.exitValue() == 0, "mkfifo not available");
    fifos.add(p);
  }

  /**
   * Frees disk workers that the code before the fix left blocked in open(): opening a FIFO
   * read-write never blocks on Linux and counts as a writer, which completes a blocked open.
   */
  @AfterEach
  void unblock() throws Exception {
    for (int round = 0; round < 20; round++) {
      for (Path f : fifos) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          // opened and closed at once
        } catch (java.io.IOException ignored) {
          // already gone
        }
      }
    }
  }

  @Test
  void fifosAreRefusedAndSkippedWhileOtherPullsAreServed() throws Exception {
    Loopback.file(net.root.resolve("good/c.bin"), 5L * CHUNK + 3, 171);
    Loopback.file(net.root.resolve("good/d.bin"), 2L * CHUNK, 172);
    mkfifo(net.root.resolve("pipe"));
    mkfifo(net.root.resolve("good/pipe2"));
    net.start();
    List<CompletableFuture<Frame>> answers = new ArrayList<>();
    try (RawLane raw = RawLane.open(net, CHUNK)) {
      // More GETs and LISTs than the server has disk workers (4 with 2 instances; 8 with 4).
      for (int i = 0; i < 12; i++) {
        answers.add(raw.get(100 + i, i % 2 == 0 ? "pipe" : "good/pipe2", 0, CHUNK));
      }
      for (int i = 0; i < 4; i++) {
        answers.add(raw.list(200 + i, "pipe", CHUNK));
      }
      for (CompletableFuture<Frame> a : answers) {
        Frame f = a.get(15, TimeUnit.SECONDS); // before the fix: never answered
        assertTrue(f instanceof Frame.Error, "a FIFO is refused: " + f);
        Frame.Error e = (Frame.Error) f;
        assertEquals(ErrorCode.NOT_FOUND, e.code(), e::toString);
        assertTrue(e.message().contains("is a FIFO") && e.message().contains("not a regular file"), e.message());
        assertFalse(e.message().contains(net.root.toRealPath().toString()), e.message());
      }
      // The node still serves: a pull of the directory holding a FIFO completes and verifies,
      // and the FIFO is not listed.
      PullResult r = net.pull(net.options("good", dest));
      assertTrue(r.ok(), r.errors()::toString);
      assertEquals(2, r.files(), "the FIFO is not in the manifest");
      assertFalse(Files.exists(dest.resolve("pipe2")));
      Loopback.assertSameTree(net.root.resolve("good"), dest);
      PullResult all = net.pull(net.options("", tmp.resolve("all")));
      assertTrue(all.ok(), all.errors()::toString);
      assertEquals(2, all.files());
      // And the same lane still answers ordinary requests.
      Frame data = raw.get(300, "good/d.bin", 0, CHUNK).get(15, TimeUnit.SECONDS);
      assertTrue(data instanceof Frame.Data, "a regular file is served on the same lane: " + data);
    }
  }
}
