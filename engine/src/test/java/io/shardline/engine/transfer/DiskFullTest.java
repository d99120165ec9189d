package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A destination that fills up: the pull fails with a clear error, no partial or wrong file sits
 * at a final path, and a re-run with room completes. Needs to mount a small tmpfs (root, as in
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
}
