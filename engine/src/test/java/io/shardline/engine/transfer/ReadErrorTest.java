package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.storage.ReadFaults;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Read errors on the serving side (a failing disk, a file that became unreadable): the client
 * gets a clear error naming the file, the server does not crash, leaks nothing and keeps serving
 * others, and the pull completes once the file reads again.
 */
class ReadErrorTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;
  final AtomicReference<ReadFaults> faults = new AtomicReference<>(ReadFaults.NONE);

  @BeforeEach
  void serve() throws Exception {
    Loopback.file(net.root.resolve("bad/a.bin"), 10L * CHUNK + 5, 91);
    Loopback.file(net.root.resolve("bad/b.bin"), 6L * CHUNK, 92);
    Loopback.file(net.root.resolve("good/c.bin"), 5L * CHUNK, 93);
    net.startWith(o -> o.readFaults((rel, off) -> faults.get().check(rel, off)));
  }

  @Test
  void aTransientReadErrorIsRetriedAndThePullCompletes() throws Exception {
    AtomicInteger failures = new AtomicInteger();
    faults.set((rel, off) -> {
      if (rel.equals("bad/a.bin") && off == 3L * CHUNK && failures.getAndIncrement() == 0) {
        throw new IOException("Input/output error");
      }
    });
    PullResult r = net.pull(net.options("bad", dest));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(1, failures.get() > 0 ? 1 : 0, "the fault fired");
    assertTrue(r.retriedChunks() >= 1);
    Loopback.assertSameTree(net.root.resolve("bad"), dest);
  }

  @Test
  void aPersistentReadErrorFailsThatFileClearlyAndTheRestCompletes() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    faults.set((rel, off) -> {
      if (rel.equals("bad/a.bin") && off == 7L * CHUNK) {
        attempts.incrementAndGet();
        throw new IOException("Input/output error");
      }
    });
    PullResult r = net.pull(net.options("bad", dest));
    assertFalse(r.ok());
    String errors = String.join("; ", r.errors());
    assertTrue(errors.contains("reading /bad/a.bin at offset " + 7L * CHUNK + " failed on the server: Input/output error"),
        errors);
    assertFalse(errors.contains(net.root.toRealPath().toString()), "the server's own paths are not revealed: " + errors);
    assertEquals(net.options("bad", dest).maxChunkAttempts(), attempts.get(), "the chunk was tried the allowed times");
    assertFalse(Files.exists(dest.resolve("a.bin")), "the file with the unreadable chunk is not published");
    assertEquals(-1L, Files.mismatch(net.root.resolve("bad/b.bin"), dest.resolve("b.bin")), "the other file completes");

    // The server keeps serving others, and the same pull completes once the disk reads again.
    PullResult other = net.pull(net.options("good", tmp.resolve("other")));
    assertTrue(other.ok(), other.errors()::toString);
    faults.set(ReadFaults.NONE);
    PullResult again = net.pull(net.options("bad", dest));
    assertTrue(again.ok(), again.errors()::toString);
    assertTrue(again.resumedChunks() >= 10, "verified chunks were kept: " + again.resumedChunks());
    Loopback.assertSameTree(net.root.resolve("bad"), dest);
  }

  @Test
  void aReadErrorWhileComputingTheManifestFailsTheListingClearly() throws Exception {
    faults.set((rel, off) -> {
      if (rel.equals("bad/b.bin") && off == -1) {
        throw new IOException("Input/output error");
      }
    });
    PullResult r = net.pull(net.options("bad", dest));
    assertFalse(r.ok());
    assertTrue(r.errors().get(0).contains("computing the manifest of /bad/b.bin failed on the server: Input/output error"),
        r.errors()::toString);
    assertFalse(Files.exists(dest), "nothing is written without a manifest");
    PullResult other = net.pull(net.options("good", tmp.resolve("other")));
    assertTrue(other.ok(), other.errors()::toString);
  }

  @Test
  void aFileRemovedMidTransferStillArrivesWholeAtTheVersionListed() throws Exception {
    byte[] listed = Files.readAllBytes(net.root.resolve("bad/a.bin"));
    AtomicInteger reads = new AtomicInteger();
    faults.set((rel, off) -> {
      if (rel.equals("bad/a.bin") && off >= 0 && reads.incrementAndGet() == 2) {
        Files.delete(net.root.resolve("bad/a.bin")); // the open handle keeps the version listed (v7)
      }
    });
    PullResult r = net.pull(net.options("bad", dest));
    assertTrue(r.ok(), r.errors()::toString);
    assertFalse(Files.exists(net.root.resolve("bad/a.bin")));
    assertTrue(java.util.Arrays.equals(listed, Files.readAllBytes(dest.resolve("a.bin"))));
  }

  @Test
  void aFileTruncatedMidTransferIsAClearErrorWithoutTheServersPaths() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    faults.set((rel, off) -> {
      if (rel.equals("bad/a.bin") && off >= 0 && reads.incrementAndGet() == 2) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(net.root.resolve("bad/a.bin"),
            java.nio.file.StandardOpenOption.WRITE)) {
          ch.truncate(1000); // changed in place: the version listed is gone
        }
      }
    });
    PullResult r = net.pull(net.options("bad", dest));
    assertFalse(r.ok());
    String errors = String.join("; ", r.errors());
    assertTrue(errors.contains("a.bin"), errors);
    assertFalse(errors.contains(net.root.toRealPath().toString()), "the server's own paths are not revealed: " + errors);
    assertFalse(Files.exists(dest.resolve("a.bin")));
    assertEquals(-1L, Files.mismatch(net.root.resolve("bad/b.bin"), dest.resolve("b.bin")));
  }
}
