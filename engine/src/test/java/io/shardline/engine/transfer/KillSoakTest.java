package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The soak's process faults: each transfer runs {@code shardline pull} in a child JVM and
 * SIGKILLs it at a random moment (while it starts, lists, fetches or publishes, or after it is
 * done), checks that every file at a final path is complete and correct, then runs the same
 * pull again until it completes. Ends with a tally; nothing may be lost, and no corrupt or
 * partial file may ever sit at a final path.
 *
 * <p>The same with the server: it runs in a child JVM, is SIGKILLed at a random moment of a
 * pull and restarted on the same port and state dir; the running pull must recover (or fail
 * cleanly and complete on a re-run).
 *
 * <p>The test suite runs a short version (6 client kills and 3 server kills, each bounded to 45 s
 * of starting new transfers). The long one, on demand:
 * {@code ./mvnw -pl engine test -Dtest=KillSoakTest -Dshardline.killsoak.transfers=100 -Dshardline.killsoak.seconds=600}
 * (the server kills run a third as many).
 */
class KillSoakTest extends LoopbackTestBase {
  /** The server's rate limit, bytes/s: it stretches transfers so kills land mid-transfer too. */
  private static final long RATE = 4_000_000;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stopChildren() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly(); // SIGKILL, by PID
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** {@code shardline pull} in a child JVM (same classpath), output to {@code log}. */
  private Process pullProcess(String path, Path dest, Path log) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "io.shardline.engine.cli.Main", "pull", "shardline://127.0.0.1:" + net.info.port() + "/" + path,
        dest.toString(), "--trust", net.info.fingerprint().toString(), "--lanes", "4", "--chunk-size", "64KiB",
        "--stall-timeout", "2", "--json"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  @Test
  void clientsKilledAtRandomMomentsResumeAndNothingCorruptIsPublished() throws Exception {
    clientKillSoak("k", 7000, Integer.getInteger("shardline.killsoak.transfers", 6), KillSoakTest::randomTree, false);
  }

  /**
   * The same with trees of a few hundred one-chunk files, each client SIGKILLed once files have
   * started to appear at their final names: while a batch of small files is written, fsynced and
   * renamed on many disk workers at once. No file may be at a final name unless it is complete and
   * verified, and the re-run must end byte-identical.
   */
  @Test
  void clientsKilledInASmallFileBatchResumeAndNothingCorruptIsPublished() throws Exception {
    clientKillSoak("m", 8000, Math.max(3, Integer.getInteger("shardline.killsoak.transfers", 6) / 2),
        KillSoakTest::smallFileTree, true);
  }

  /** Builds a tree for one transfer and returns about how long fetching it takes at {@link #RATE}, ms. */
  private interface TreeMaker {
    long make(SplittableRandom rnd, Path tree) throws Exception;
  }

  /**
   * @param midBatch kill only after the first file is published (a random moment within about
   *     half the fetch time after it), and require that at least one kill left the tree neither
   *     empty nor complete
   */
  private void clientKillSoak(String prefix, long seed, int transfers, TreeMaker trees, boolean midBatch)
      throws Exception {
    long budgetNanos = Long.getLong("shardline.killsoak.seconds", 45) * 1_000_000_000L;
    net.startWith(o -> o.rateLimit(RATE));
    int killedMidBatch = 0;
    int done = 0;
    int completedBeforeKill = 0;
    int killed = 0;
    int killedMidTransfer = 0;
    int resumed = 0;
    int failedCleanly = 0;
    int corruptPublished = 0;
    int partialVisible = 0;
    int lost = 0;
    long t0 = System.nanoTime();
    for (int t = 0; t < transfers && System.nanoTime() - t0 < budgetNanos; t++, done++) {
      SplittableRandom rnd = new SplittableRandom(seed + t);
      Path tree = net.root.resolve(prefix + t);
      long fetchMs = trees.make(rnd, tree);
      Path dest = tmp.resolve(prefix + "dest" + t);
      Path log = tmp.resolve(prefix + "pull" + t + ".log");
      Process child = pullProcess(prefix + t, dest, log);
      // A quarter of the kills at a random moment from the start (JVM start, TLS, listing); the
      // rest at a random moment after the destination appeared (fetching, journalling, publishing).
      boolean early = !midBatch && rnd.nextInt(4) == 0;
      long delayMs = early ? rnd.nextLong(2_500) : rnd.nextLong(fetchMs * 6 / 5);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      if (!early) {
        while (!Files.exists(dest.resolve(".shardline")) && child.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(5); // polling another process's progress, bounded by the deadline
        }
      }
      if (midBatch) {
        while (Loopback.files(dest).isEmpty() && child.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(2); // polling for the first published file, bounded by the deadline
        }
        delayMs = rnd.nextLong(Math.max(1, fetchMs / 2));
      }
      boolean exited = child.waitFor(delayMs, TimeUnit.MILLISECONDS);
      if (exited) {
        if (child.exitValue() == 0) {
          completedBeforeKill++;
        } else {
          failedCleanly++;
        }
      } else {
        killed++;
        if (Files.exists(dest.resolve(".shardline"))) {
          killedMidTransfer++;
        }
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        int published = Loopback.files(dest).size();
        if (published > 0 && published < Loopback.files(tree).size()) {
          killedMidBatch++;
        }
      }
      corruptPublished += Loopback.countCorrupt(tree, dest);
      partialVisible += Loopback.countForeign(tree, dest);
      if (exited && child.exitValue() == 0) {
        if (Loopback.files(dest).size() != Loopback.files(tree).size()) {
          lost++; // exit 0 claims success: every file must be there
        }
        continue;
      }
      boolean complete = false;
      for (int attempt = 0; attempt < 3 && !complete; attempt++) {
        PullResult r = net.pull(net.options(prefix + t, dest));
        corruptPublished += Loopback.countCorrupt(tree, dest);
        partialVisible += Loopback.countForeign(tree, dest);
        complete = r.ok() && Loopback.files(dest).size() == Loopback.files(tree).size();
        if (complete && attempt == 0 && r.resumedChunks() > 0) {
          resumed++;
        }
      }
      if (!complete) {
        lost++;
        System.out.println("kill soak: transfer " + t + " lost; child log:\n" + Files.readString(log));
      } else if (Loopback.files(dest).size() == Loopback.files(tree).size()) {
        Loopback.assertSameTree(tree, dest);
      }
    }
    String tally = String.format("kill soak (%s): %d transfers in %.1f s: %d completed before the kill, %d SIGKILLed"
        + " (%d mid-transfer, %d with some files published and some not, %d resumed verified chunks on the re-run),"
        + " %d failed cleanly; lost: %d; corrupt files published: %d; partial files at final paths: %d",
        prefix, done, (System.nanoTime() - t0) / 1e9, completedBeforeKill, killed, killedMidTransfer, killedMidBatch,
        resumed, failedCleanly, lost, corruptPublished, partialVisible);
    System.out.println(tally);
    assertTrue(done >= Math.min(transfers, 3), tally);
    assertTrue(killed >= 1 || done < 3, "at least one client was killed: " + tally);
    if (midBatch) {
      assertTrue(killedMidBatch >= 1, "at least one kill landed in the middle of a batch: " + tally);
    }
    assertEquals(0, corruptPublished, tally);
    assertEquals(0, partialVisible, tally);
    assertEquals(0, lost, tally);
  }

  /**
   * Writes a random tree (1 to 8 files of up to 3 MB, some empty, some in subfolders); returns
   * about how long fetching it takes at the server's rate (after the token bucket's 4 MiB burst).
   */
  private static long randomTree(SplittableRandom rnd, Path tree) throws Exception {
    int n = 1 + rnd.nextInt(8);
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      String name = (rnd.nextBoolean() ? "d" + rnd.nextInt(3) + "/" : "") + "f" + i + ".bin";
      int size = rnd.nextInt(20) == 0 ? 0 : rnd.nextInt(3_000_000);
      Loopback.file(tree.resolve(name), size, rnd.nextLong());
      bytes += size;
    }
    return Math.max(300, (bytes - (4L << 20)) * 1000 / RATE);
  }

  /**
   * Writes a tree of 200 to 400 small files (1 byte to 64 KiB: one chunk each at the soak's 64 KiB
   * chunk size, a few empty) in up to 4 folders; returns about how long fetching it takes.
   */
  private static long smallFileTree(SplittableRandom rnd, Path tree) throws Exception {
    int n = 200 + rnd.nextInt(201);
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      String name = "d" + rnd.nextInt(4) + "/s" + i + ".bin";
      int size = rnd.nextInt(50) == 0 ? 0 : 1 + rnd.nextInt(64 * 1024);
      Loopback.file(tree.resolve(name), size, rnd.nextLong());
      bytes += size;
    }
    return Math.max(300, (bytes - (4L << 20)) * 1000 / RATE);
  }

  /** {@code shardline serve} in a child JVM on 127.0.0.1:{@code port}; waits for its banner. */
  private Process serveProcess(Path root, Path state, int port, Path log) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "io.shardline.engine.cli.Main", "serve", "--root", root.toString(), "--listen", "127.0.0.1:" + port,
        "--state-dir", state.toString(), "--rate-limit", Long.toString(RATE)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (Files.readString(log).contains("listening on 127.0.0.1:" + port + " ")) {
        return p;
      }
      Thread.sleep(20); // polling the child's log, bounded by the deadline
    }
    throw new AssertionError("server did not start: " + Files.readString(log));
  }

  /** A port the OS just handed out and released, for a server that must come back on the same port. */
  private static int freePort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void serversKilledAtRandomMomentsAndRestartedLoseNothing() throws Exception {
    int transfers = Math.max(1, Integer.getInteger("shardline.killsoak.transfers", 9) / 3);
    long budgetNanos = Long.getLong("shardline.killsoak.seconds", 45) * 1_000_000_000L;
    Path root = Files.createDirectories(tmp.resolve("served"));
    Path state = tmp.resolve("server-state"); // kept across restarts: same certificate, same manifests
    int done = 0;
    int completedBeforeKill = 0;
    int killed = 0;
    int recovered = 0;
    int rerun = 0;
    int corruptPublished = 0;
    int partialVisible = 0;
    int lost = 0;
    long t0 = System.nanoTime();
    for (int t = 0; t < transfers && System.nanoTime() - t0 < budgetNanos; t++, done++) {
      SplittableRandom rnd = new SplittableRandom(9000 + t);
      Path tree = root.resolve("s" + t);
      long fetchMs = randomTree(rnd, tree);
      int port = freePort();
      Process server = serveProcess(root, state, port, tmp.resolve("serve" + t + "a.log"));
      io.shardline.engine.tls.Fingerprint fp = io.shardline.engine.tls.TlsSupport.fingerprintOf(
          state.resolve(io.shardline.engine.tls.SelfSignedCert.CERT));
      Path dest = tmp.resolve("sdest" + t);
      PullOptions o = new PullOptions().source(new ShardlineUrl("127.0.0.1", port, "s" + t)).destination(dest)
          .lanes(4).chunkSize(64 * 1024).trust(new io.shardline.engine.tls.Trust.Pinned(fp))
          .stallTimeoutMs(1_000).progressTimeoutMs(20_000).connectTimeoutMs(3_000);
      var running = new PullSession(net.vertx, o).run();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(dest.resolve(".shardline")) && !running.isComplete() && System.nanoTime() < deadline) {
        Thread.sleep(5); // waiting for the pull to start writing, bounded by the deadline
      }
      Thread.sleep(rnd.nextLong(fetchMs * 6 / 5));
      boolean killedThisOne = !running.isComplete();
      if (!killedThisOne) {
        completedBeforeKill++;
      } else {
        killed++;
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL, by PID
        corruptPublished += Loopback.countCorrupt(tree, dest);
        partialVisible += Loopback.countForeign(tree, dest);
        Thread.sleep(rnd.nextLong(1_500)); // down for a while; lanes reconnect with backoff
        server = serveProcess(root, state, port, tmp.resolve("serve" + t + "b.log"));
      }
      PullResult r = Loopback.await(running);
      corruptPublished += Loopback.countCorrupt(tree, dest);
      partialVisible += Loopback.countForeign(tree, dest);
      boolean complete = r.ok() && Loopback.files(dest).size() == Loopback.files(tree).size();
      if (complete && killedThisOne) {
        recovered++;
      }
      for (int attempt = 0; attempt < 3 && !complete; attempt++) {
        rerun++;
        PullResult again = Loopback.await(new PullSession(net.vertx, o).run());
        corruptPublished += Loopback.countCorrupt(tree, dest);
        partialVisible += Loopback.countForeign(tree, dest);
        complete = again.ok() && Loopback.files(dest).size() == Loopback.files(tree).size();
      }
      if (!complete) {
        lost++;
      }
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String tally = String.format("server kill soak: %d transfers in %.1f s: %d completed before the kill, %d with the"
        + " server SIGKILLed and restarted (%d recovered in the same pull), %d re-runs; lost: %d;"
        + " corrupt files published: %d; partial files at final paths: %d",
        done, (System.nanoTime() - t0) / 1e9, completedBeforeKill, killed, recovered, rerun, lost, corruptPublished,
        partialVisible);
    System.out.println(tally);
    assertTrue(done >= 1, tally);
    assertEquals(0, corruptPublished, tally);
    assertEquals(0, partialVisible, tally);
    assertEquals(0, lost, tally);
  }
}
