package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A destination that fills up or turns read-only: the pull fails with a clear error, no partial
 * or wrong file sits at a final path, and a re-run completes. Needs to mount a small tmpfs (root, as in
 * CI); skipped where that is not allowed.
 */
class DiskFullTest extends LoopbackTestBase {

  private static boolean run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  @Test
  void fullDestinationFailsCleanlyAndARerunWithRoomCompletes() throws Exception {
    Loopback.file(net.root.resolve("small.bin"), 512 * 1024, 101);
    Loopback.file(net.root.resolve("big.bin"), 3L * 1024 * 1024 + 17, 102);
    Files.createDirectories(dest);
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dest.toString()),
        "cannot mount a tmpfs here (needs root)");
    net.start();
    try {
      PullResult r = net.pull(net.options("", dest).chunkSize(256 * 1024));
      assertFalse(r.ok());
      assertTrue(r.errors().toString().contains("No space left on device")
          || r.errors().toString().contains("cannot write"), r.errors()::toString);
      for (String f : Loopback.files(dest)) {
        assertEquals(-1L, Files.mismatch(net.root.resolve(f), dest.resolve(f)), f + " at its final path must be complete");
      }
      assertFalse(Files.exists(dest.resolve("big.bin")), "the file that did not fit is not published");
    } finally {
      assertTrue(run("umount", dest.toString()), "umount " + dest);
    }
    PullResult again = net.pull(net.options("", dest).chunkSize(256 * 1024));
    assertTrue(again.ok(), again.errors()::toString);
    Loopback.assertSameTree(net.root, dest);
  }

  /**
   * Issue 17: on ENOSPC the chunks already written were not journalled (the journal file was
   * first created at the failure, on the full disk), so a re-run resumed 0. Now the journal
   * exists before the first chunk is written and is flushed when a write fails; the partial file
   * stays for the resume, and the error says so and how to free the space.
   */
  @Test
  void aFullDestinationKeepsItsVerifiedChunksAndARerunResumesThem() throws Exception {
    Loopback.file(net.root.resolve("big.bin"), 3L * 1024 * 1024 + 17, 104);
    Files.createDirectories(dest);
    // Full for data (2 MiB) and for new files: 5 inodes are the root, .shardline, its bucket
    // folder, the lock and the partial file, so the journal cannot be created either (as on a
    // volume that filled up before the journal's first flush).
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m,nr_inodes=5", "tmpfs", dest.toString()),
        "cannot mount a tmpfs here (needs root)");
    try {
      net.start();
      PullResult r = net.pull(net.options("", dest).chunkSize(256 * 1024).lanes(1).window(1));
      assertFalse(r.ok());
      String errors = String.join("; ", r.errors());
      assertTrue(errors.contains("No space left on device"), errors);
      assertTrue(errors.contains("the chunks verified so far are kept in " + dest.resolve(".shardline")
          + " and a re-run resumes them (delete " + dest.resolve(".shardline") + " to free their space)"), errors);
      assertTrue(r.chunks() >= 2, "some chunks were written before the disk filled: " + r.chunks());
      assertFalse(Files.exists(dest.resolve("big.bin")));
      // More room on the same filesystem (the partial file is still there), then the same pull.
      assertTrue(run("mount", "-o", "remount,size=8m,nr_inodes=64", dest.toString()), "remount");
      PullResult again = net.pull(net.options("", dest).chunkSize(256 * 1024));
      assertTrue(again.ok(), again.errors()::toString);
      assertTrue(again.resumedChunks() >= r.chunks() - 1,
          "the chunks written before the disk filled are resumed: " + again.resumedChunks() + " of " + r.chunks());
      Loopback.assertSameTree(net.root, dest);
      assertFalse(Files.exists(dest.resolve(".shardline")), "the published file leaves no state behind");
    } finally {
      assertTrue(run("umount", dest.toString()), "umount " + dest);
    }
  }

  @Test
  void destinationTurningReadOnlyFailsCleanlyAndARerunCompletes() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 4L * 1024 * 1024, 103);
    Files.createDirectories(dest);
    // The immutable flag (ext4) refuses new entries even to root: the publish (a rename into
    // the destination) hits a read-only folder. Set mid-transfer from the server's fault hook.
    assumeTrue(run("chattr", "-i", dest.toString()), "chattr not available on this filesystem");
    java.util.concurrent.atomic.AtomicBoolean flipped = new java.util.concurrent.atomic.AtomicBoolean();
    net.start(null, (path, off, lane, seq) -> {
      if (seq == 4 && flipped.compareAndSet(false, true)) {
        try {
          run("chattr", "+i", dest.toString());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
      return io.shardline.engine.server.FaultHook.Action.PASS;
    });
    try {
      PullResult r = net.pull(net.options("", dest).chunkSize(256 * 1024).lanes(1).window(1));
      assertTrue(flipped.get());
      assertFalse(r.ok(), "publishing into a read-only folder fails");
      assertTrue(r.errors().toString().contains("cannot publish"), r.errors()::toString);
      assertFalse(Files.exists(dest.resolve("a.bin")), "nothing published");
    } finally {
      assertTrue(run("chattr", "-i", dest.toString()), "chattr -i " + dest);
    }
    PullResult again = net.pull(net.options("", dest).chunkSize(256 * 1024));
    assertTrue(again.ok(), again.errors()::toString);
    assertEquals(16, again.resumedChunks(), "every chunk written before is kept: only the publish was missing");
    Loopback.assertSameTree(net.root, dest);
  }
}
