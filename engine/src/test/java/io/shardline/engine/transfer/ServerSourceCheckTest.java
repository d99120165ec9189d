package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.FaultHook;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The server checks each chunk it reads against the manifest it listed ({@code ChunkSource}
 * handles): a source changed between LIST and GET is answered with {@code SOURCE_CHANGED}, never
 * with the changed bytes, even when the change kept the file's size and modification time.
 */
class ServerSourceCheckTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;

  @Test
  void aChunkRewrittenWithItsOldMtimeIsRefusedByTheServer() throws Exception {
    Path src = Loopback.file(net.root.resolve("f.bin"), 8L * CHUNK, 5);
    net.start();
    try (RawLane lane = RawLane.open(net, CHUNK)) {
      assertInstanceOf(Frame.ListEnd.class, lane.list(1, "", CHUNK).get(10, TimeUnit.SECONDS));
      assertInstanceOf(Frame.Data.class, lane.get(2, "f.bin", 0, CHUNK).get(10, TimeUnit.SECONDS));
      overwriteKeepingMtime(src, 3L * CHUNK, 9);

      Frame changed = lane.get(3, "f.bin", 3L * CHUNK, CHUNK).get(10, TimeUnit.SECONDS);
      Frame.Error e = assertInstanceOf(Frame.Error.class, changed, "the changed chunk is not shipped");
      assertEquals(ErrorCode.SOURCE_CHANGED, e.code());
      assertFalse(e.code().retryable());
      assertTrue(e.message().contains("changed on the source") && e.message().contains("chunk 3"), e.message());
      assertFalse(e.message().contains(net.root.toRealPath().toString()), e.message());
      // Chunks that still match the manifest are served as before.
      assertInstanceOf(Frame.Data.class, lane.get(4, "f.bin", 2L * CHUNK, CHUNK).get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void aFileModifiedBetweenListAndGetIsRefusedByTheServer() throws Exception {
    Path src = Loopback.file(net.root.resolve("g.bin"), 4L * CHUNK, 6);
    net.start();
    try (RawLane lane = RawLane.open(net, CHUNK)) {
      assertInstanceOf(Frame.ListEnd.class, lane.list(1, "g.bin", CHUNK).get(10, TimeUnit.SECONDS));
      overwrite(src, 0, 10);
      Files.setLastModifiedTime(src, FileTime.fromMillis(Files.getLastModifiedTime(src).toMillis() + 5_000));
      Frame f = lane.get(2, "g.bin", CHUNK, CHUNK).get(10, TimeUnit.SECONDS);
      Frame.Error e = assertInstanceOf(Frame.Error.class, f);
      assertEquals(ErrorCode.SOURCE_CHANGED, e.code());
      assertTrue(e.message().contains("changed on the source"), e.message());
    }
  }

  @Test
  void aPullOfASilentlyChangedSourceFailsThatFileAndPublishesNothing() throws Exception {
    Path src = Loopback.file(net.root.resolve("ckpt.bin"), 40L * CHUNK, 83);
    AtomicBoolean changed = new AtomicBoolean();
    net.start(null, (path, off, lane, seq) -> {
      if (seq == 5 && changed.compareAndSet(false, true)) {
        overwriteKeepingMtime(src, 30L * CHUNK, 7); // size and mtime as listed: only the CRC tells
      }
      return FaultHook.Action.PASS;
    });
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).lanes(1).window(1).compression(Compression.NONE));
    assertFalse(r.ok());
    assertTrue(r.errors().toString().contains("changed on the source"), r.errors()::toString);
    assertTrue(r.errors().toString().contains("listed"), "the server refused it: " + r.errors());
    assertFalse(Files.exists(dest.resolve("ckpt.bin")), "a mixed file is never published");
  }

  private static void overwriteKeepingMtime(Path file, long at, int seed) {
    try {
      FileTime mtime = Files.getLastModifiedTime(file);
      overwrite(file, at, seed);
      Files.setLastModifiedTime(file, mtime);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
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
}
