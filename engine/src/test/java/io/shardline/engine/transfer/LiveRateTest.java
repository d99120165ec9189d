package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A running pull's rate limit changes live; cancel stops it and keeps verified chunks for a resume. */
@Timeout(60)
class LiveRateTest {
  @TempDir
  Path tmp;

  @Test
  void liftingTheLimitMidPullSpeedsItUpAndTheCopyIsExact() throws Exception {
    try (Loopback lb = new Loopback(tmp)) {
      lb.start();
      Loopback.file(lb.root.resolve("w.bin"), 24 << 20, 3);
      Path dest = tmp.resolve("dest");
      // 24 MiB at 2 MB/s would take 12 s; lifted after 1 s it ends in a few.
      PullSession s = new PullSession(lb.vertx, lb.options("w.bin", dest).rateLimit(2_000_000));
      long t0 = System.nanoTime();
      var run = s.run();
      Thread.sleep(1_000);
      long before = s.counters().bytesDone.sum();
      assertTrue(before < 12 << 20, "limited at first: " + before);
      s.rateLimit(0);
      assertEquals(0, s.rateLimit());
      PullResult r = Loopback.await(run);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertTrue(r.ok(), r.errors().toString());
      assertTrue(seconds < 8, "the lifted limit took effect: " + seconds + " s");
      // v3: the new share goes to the server in SETTINGS on the live lanes, so no lane reconnects
      assertEquals(0, r.reconnects());
      assertEquals(r.lanes(), s.counters().connections.sum(), "a rate change costs no new connection");
      assertArrayEquals(Files.readAllBytes(lb.root.resolve("w.bin")), Files.readAllBytes(dest.resolve("w.bin")));
    }
  }

  @Test
  void cancelStopsThePullAndANewSessionResumes() throws Exception {
    try (Loopback lb = new Loopback(tmp)) {
      lb.start();
      Loopback.file(lb.root.resolve("w.bin"), 16 << 20, 4);
      Path dest = tmp.resolve("dest");
      PullSession s = new PullSession(lb.vertx, lb.options("w.bin", dest).rateLimit(4_000_000));
      var run = s.run();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (s.counters().chunks.sum() < 40 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(600); // a journal flush
      s.cancel("test");
      PullResult r = Loopback.await(run);
      assertTrue(!r.ok() && r.errors().get(0).contains("test"), r.errors().toString());
      assertTrue(Files.notExists(dest.resolve("w.bin")), "nothing partial published");
      PullResult again = lb.pull(lb.options("w.bin", dest));
      assertTrue(again.ok(), again.errors().toString());
      assertTrue(again.resumedChunks() >= 40, "resumed " + again.resumedChunks());
      assertArrayEquals(Files.readAllBytes(lb.root.resolve("w.bin")), Files.readAllBytes(dest.resolve("w.bin")));
    }
  }
}
