package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.FaultHook;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A source file that changes under a transfer is detected; a mixed file is never published. */
class SourceChangeTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;

  @Test
  void modifiedSourceIsDetectedAndNotPublished() throws Exception {
    Path src = Loopback.file(net.root.resolve("ckpt.bin"), 40L * CHUNK, 81);
    AtomicBoolean changed = new AtomicBoolean();
    net.start(null, (path, off, lane, seq) -> {
      if (seq == 5 && changed.compareAndSet(false, true)) {
        overwrite(src, 30L * CHUNK, 7); // a writer rewrites a chunk still to be sent
      }
      return FaultHook.Action.PASS;
    });
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).lanes(1).window(1).compression(Compression.NONE));
    assertFalse(r.ok());
    assertTrue(r.errors().toString().contains("changed on the source"), r.errors()::toString);
    assertFalse(Files.exists(dest.resolve("ckpt.bin")), "a mixed file is never published");

    PullResult again = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(again.ok(), again.errors()::toString);
    assertEquals(-1L, Files.mismatch(src, dest.resolve("ckpt.bin")), "the re-run gets the new version");
  }

  @Test
  void truncatedSourceIsDetectedAndNotPublished() throws Exception {
    Path src = Loopback.file(net.root.resolve("ckpt.bin"), 40L * CHUNK, 82);
    AtomicBoolean cut = new AtomicBoolean();
    net.start(null, (path, off, lane, seq) -> {
      if (seq == 5 && cut.compareAndSet(false, true)) {
        truncate(src, 20L * CHUNK);
      }
      return FaultHook.Action.PASS;
    });
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).lanes(1).window(1));
    assertFalse(r.ok());
    assertTrue(r.errors().toString().contains("past its end") || r.errors().toString().contains("changed"),
        r.errors()::toString);
    assertFalse(Files.exists(dest.resolve("ckpt.bin")));
    PullResult again = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(again.ok(), again.errors()::toString);
    assertEquals(20L * CHUNK, Files.size(dest.resolve("ckpt.bin")));
  }

  private static void overwrite(Path file, long at, int seed) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      byte[] b = new byte[CHUNK];
      new java.util.SplittableRandom(seed).nextBytes(b);
      f.seek(at);
      f.write(b);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void truncate(Path file, long size) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
