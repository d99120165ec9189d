package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.FaultHook;
import io.shardline.engine.tls.Fingerprint;
import io.shardline.engine.tls.Trust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL either side mid-transfer, run the same pull again: it resumes and ends byte-identical. */
class ResumeTest {
  @TempDir
  Path tmp;
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Starts the CLI in a child JVM (same classpath); stopped by PID in {@link #killAll}. */
  private Process cli(Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.shardline.engine.cli.Main"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  private static long journalBytes(Path dest) throws Exception {
    Path state = dest.resolve(".shardline");
    if (!Files.isDirectory(state)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(state)) {
      return s.filter(p -> p.toString().endsWith(".journal")).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  @Test
  void clientKilledMidTransferResumes() throws Exception {
    try (Loopback net = new Loopback(tmp)) {
      Loopback.file(net.root.resolve("ckpt/shard.bin"), 200L * 64 * 1024 - 3, 21);
      AtomicBoolean open = new AtomicBoolean(false);
      // The first 100 chunk requests are served, then the server goes silent until 'open'.
      net.start(null, (path, off, lane, seq) -> open.get() || seq < 100 ? FaultHook.Action.PASS : FaultHook.Action.STALL);
      Path dest = tmp.resolve("dest");
      Process client = cli(tmp.resolve("client.log"), "pull", "shardline://127.0.0.1:" + net.info.port() + "/ckpt",
          dest.toString(), "--trust", net.info.fingerprint().toString(), "--lanes", "4", "--chunk-size", "64KiB", "--json");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (journalBytes(dest) < 52 + 64 * 8 && System.nanoTime() < deadline && client.isAlive()) {
        Thread.sleep(20); // polling a file written by another process, bounded by the deadline
      }
      assertTrue(client.isAlive(), "client must still be running: " + Files.readString(tmp.resolve("client.log")));
      assertTrue(journalBytes(dest) >= 52 + 64 * 8, "journal got at least 64 records");
      client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      assertFalse(Files.exists(dest.resolve("shard.bin")), "nothing is published before it is complete");

      open.set(true);
      PullResult r = net.pull(net.options("ckpt", dest));
      assertTrue(r.ok(), r.errors()::toString);
      assertTrue(r.resumedChunks() >= 64, "resumed " + r.resumedChunks());
      assertEquals(200, r.resumedChunks() + r.chunks());
      Loopback.assertSameTree(net.root.resolve("ckpt"), dest);
    }
  }

  @Test
  void serverKilledMidTransferResumesAgainstARestartedServer() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Loopback.file(root.resolve("big.bin"), 48L * 1024 * 1024, 22);
    Path state = tmp.resolve("server-state");
    Process server = cli(tmp.resolve("server1.log"), "serve", "--root", root.toString(), "--listen", "127.0.0.1:0",
        "--state-dir", state.toString());
    String[] banner = banner(server, tmp.resolve("server1.log"));
    Path dest = tmp.resolve("dest");
    try (Loopback net = new Loopback(tmp.resolve("unused"))) {
      PullOptions o = new PullOptions().source(new ShardlineUrl("127.0.0.1", Integer.parseInt(banner[0]), ""))
          .destination(dest).lanes(1).window(1).chunkSize(4096)
          .trust(new Trust.Pinned(Fingerprint.parse(banner[1]))).stallTimeoutMs(500).progressTimeoutMs(1_500);
      PullSession session = new PullSession(net.vertx, o);
      var running = session.run();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (session.counters().chunks.sum() < 300 && System.nanoTime() < deadline && !running.isComplete()) {
        Thread.sleep(5);
      }
      assertFalse(running.isComplete(), "transfer must still be running when the server is killed");
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      PullResult failed = Loopback.await(running);
      assertFalse(failed.ok());
      assertTrue(failed.errors().get(0).contains("no progress"), failed.errors()::toString);
      assertFalse(Files.exists(dest.resolve("big.bin")));

      Process again = cli(tmp.resolve("server2.log"), "serve", "--root", root.toString(), "--listen", "127.0.0.1:0",
          "--state-dir", state.toString());
      String[] banner2 = banner(again, tmp.resolve("server2.log"));
      assertEquals(banner[1], banner2[1], "the self-signed certificate is kept in the state dir");
      PullResult r = Loopback.await(new PullSession(net.vertx, o.source(
          new ShardlineUrl("127.0.0.1", Integer.parseInt(banner2[0]), "")).lanes(4).window(4).chunkSize(4096)).run());
      assertTrue(r.ok(), r.errors()::toString);
      assertTrue(r.resumedChunks() >= 250, "resumed " + r.resumedChunks());
      assertEquals(-1L, Files.mismatch(root.resolve("big.bin"), dest.resolve("big.bin")));
    }
  }

  @Test
  void serverStoppedLongerThanTheWatchdogIsWaitedOut() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Loopback.file(root.resolve("big.bin"), 24L * 1024 * 1024, 23);
    Process server = cli(tmp.resolve("server.log"), "serve", "--root", root.toString(), "--listen", "127.0.0.1:0",
        "--state-dir", tmp.resolve("state").toString());
    String[] banner = banner(server, tmp.resolve("server.log"));
    Path dest = tmp.resolve("dest");
    try (Loopback net = new Loopback(tmp.resolve("unused"))) {
      PullOptions o = new PullOptions().source(new ShardlineUrl("127.0.0.1", Integer.parseInt(banner[0]), ""))
          .destination(dest).lanes(2).window(1).chunkSize(4096)
          .trust(new Trust.Pinned(Fingerprint.parse(banner[1]))).stallTimeoutMs(300).progressTimeoutMs(30_000)
          .connectTimeoutMs(3_000); // a freshly started server JVM on a loaded 2-core box can take over 500 ms
      PullSession session = new PullSession(net.vertx, o);
      var running = session.run();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (session.counters().chunks.sum() < 200 && System.nanoTime() < deadline && !running.isComplete()) {
        Thread.sleep(5);
      }
      assertFalse(running.isComplete(), "still running when the server is stopped");
      signal("STOP", server.pid());
      try {
        while (session.counters().reconnects.sum() < 2 && System.nanoTime() < deadline) {
          Thread.sleep(20); // the watchdog closes the stalled lanes, reconnects time out
        }
        assertTrue(session.counters().reconnects.sum() >= 2, "lanes noticed the stall and reconnected");
      } finally {
        signal("CONT", server.pid());
      }
      PullResult r = Loopback.await(running);
      assertTrue(r.ok(), r.errors()::toString);
      assertEquals(-1L, Files.mismatch(root.resolve("big.bin"), dest.resolve("big.bin")));
    }
  }

  private static void signal(String sig, long pid) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertTrue(k.waitFor(10, TimeUnit.SECONDS) && k.exitValue() == 0, "kill -" + sig + " " + pid);
  }

  /** Waits for "listening on HOST:PORT fingerprint sha256:HEX"; returns {port, fingerprint}. */
  private static String[] banner(Process p, Path log) throws Exception {
    Pattern pat = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) fingerprint (sha256:[0-9a-f]{64})");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && p.isAlive()) {
      Matcher m = pat.matcher(Files.readString(log));
      if (m.find()) {
        return new String[] {m.group(1), m.group(2)};
      }
      Thread.sleep(20);
    }
    throw new AssertionError("server did not start: " + Files.readString(log));
  }
}
