package io.shardline.engine.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FencedDestination}: once its writer may no longer write (a lease lost), no chunk is
 * written, journalled or published, with a typed {@code FENCED} error naming why; what was
 * written before stays resumable for the next writer.
 */
class FencedDestinationTest {
  static final int CHUNK = 4096;

  @TempDir
  Path tmp;

  @Test
  void aClosedFenceStopsWritesAndThePublishButKeepsEarlierChunksResumable() throws Exception {
    Path src = tmp.resolve("src.bin");
    byte[] content = TestFiles.write(src, 3 * CHUNK, 7);
    FileManifest m = TestFiles.manifest(src, "shard.bin", CHUNK);
    Path dest = tmp.resolve("dest");
    AtomicBoolean may = new AtomicBoolean(true);
    FencedDestination d = new FencedDestination(new LocalDestination(dest), may::get, () -> "lease of job 1 lost to gw-b");
    d.begin();
    ChunkSink sink = d.open(m);
    assertEquals(0, sink.prepare().cardinality());
    int[] crcs = new int[3];
    crcs[0] = write(sink, m, 0, content);
    sink.journal(0, crcs[0]);
    sink.flushJournal();

    may.set(false);
    ShardlineException w = assertThrows(ShardlineException.class, () -> write(sink, m, 1, content));
    assertEquals(ErrorCode.FENCED, w.code());
    assertTrue(w.getMessage().contains("lease of job 1 lost to gw-b"), w.getMessage());
    assertEquals(ErrorCode.FENCED, assertThrows(ShardlineException.class, () -> sink.journal(1, 0)).code());
    assertEquals(ErrorCode.FENCED, assertThrows(ShardlineException.class, () -> sink.publish(crcs, m.chunkHashes())).code());
    sink.abort();
    d.end(List.of());
    assertTrue(Files.notExists(dest.resolve("shard.bin")), "nothing published after the fence closed");

    // the next writer (another gateway) finds chunk 0 verified and publishes the file
    LocalDestination next = new LocalDestination(dest);
    next.begin();
    ChunkSink again = next.open(m);
    assertEquals(1, again.prepare().cardinality());
    for (int i = 1; i < 3; i++) {
      crcs[i] = write(again, m, i, content);
      again.journal(i, crcs[i]);
    }
    again.publish(crcs, m.chunkHashes());
    next.end(List.of(again));
    assertEquals(content.length, Files.size(dest.resolve("shard.bin")));
  }

  @Test
  void theOlderVersionAtTheDestinationIsSeenThroughTheFenceForDeltaReuse() throws Exception {
    Path src = tmp.resolve("src.bin");
    TestFiles.write(src, 3 * CHUNK, 8);
    FileManifest m = TestFiles.manifest(src, "shard.bin", CHUNK);
    Path dest = Files.createDirectories(tmp.resolve("dest"));
    TestFiles.write(dest.resolve("shard.bin"), 3 * CHUNK, 9); // last step's version
    FencedDestination d = new FencedDestination(new LocalDestination(dest), () -> true, () -> "");
    d.begin();
    try {
      assertEquals(dest.resolve("shard.bin").toAbsolutePath().normalize(),
          d.open(m).previousVersion().toAbsolutePath().normalize());
    } finally {
      d.end(List.of());
    }
  }

  @Test
  void aFenceClosedBeforeTheStartRefusesTheDestination() {
    FencedDestination d = new FencedDestination(new LocalDestination(tmp.resolve("d")), () -> false, () -> "no lease");
    assertEquals(ErrorCode.FENCED, assertThrows(ShardlineException.class, d::begin).code());
    assertTrue(Files.notExists(tmp.resolve("d")), "nothing created");
  }

  @Test
  void aSecondPullIntoALockedDestinationIsToldItIsLockedNotThatItCannotWrite() throws Exception {
    LocalDestination first = new LocalDestination(tmp.resolve("d"));
    first.begin();
    try {
      ShardlineException e = assertThrows(ShardlineException.class, () -> new LocalDestination(tmp.resolve("d")).begin());
      assertEquals(ErrorCode.DESTINATION_LOCKED, e.code());
      assertTrue(e.code().retryable(), "a locked destination is worth trying again later");
    } finally {
      first.end(List.of());
    }
  }

  private static int write(ChunkSink sink, FileManifest m, int i, byte[] bytes) throws Exception {
    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(m.chunkLength(i));
    try {
      b.writeBytes(bytes, (int) m.chunkOffset(i), m.chunkLength(i));
      int crc = Crc32c.of(b);
      sink.write(i, b);
      return crc;
    } finally {
      b.release();
    }
  }
}
