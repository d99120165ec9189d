package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.MemoryChunkSink;
import io.shardline.engine.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Delta pull, level 1: a chunk an older local version holds at the same offset with the
 * manifest's SHA-256 is copied, not fetched, and the file is then verified and published as any
 * other; a chunk whose CRC32C matches but whose hash does not is fetched.
 */
class DeltaPullTest extends LoopbackTestBase {
  private static final int CHUNK = 64 * 1024;
  private static final int CHUNKS = 16;

  /** v1 of a checkpoint, and v2: chunks 3 and 11 rewritten in place (a tensor update keeps offsets). */
  private byte[][] versions() {
    byte[] v1 = TestFiles.bytes(CHUNKS * CHUNK - 100, 41);
    byte[] v2 = v1.clone();
    byte[] fresh = TestFiles.bytes(2 * CHUNK, 42);
    System.arraycopy(fresh, 0, v2, 3 * CHUNK + 10, 500);
    System.arraycopy(fresh, 600, v2, 11 * CHUNK, CHUNK);
    return new byte[][] {v1, v2};
  }

  @Test
  void anOlderVersionAtTheDestinationLendsEveryUnchangedChunk() throws Exception {
    byte[][] v = versions();
    Files.write(net.root.resolve("ckpt.bin"), v[1]);
    Files.createDirectories(dest);
    Files.write(dest.resolve("ckpt.bin"), v[0]);
    net.start();
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(CHUNKS - 2, r.reusedChunks(), r.toJson());
    assertEquals((CHUNKS - 2L) * CHUNK - 100, r.reusedBytes(), "the last chunk is 100 bytes short");
    assertEquals(2, r.chunks(), "only the two changed chunks were fetched");
    assertEquals(2L * CHUNK, r.bytes());
    assertEquals(0, r.resumedChunks());
    assertTrue(java.util.Arrays.equals(v[1], Files.readAllBytes(dest.resolve("ckpt.bin"))));
    assertTrue(r.toJson().contains("\"reusedChunks\":14"), r.toJson());
  }

  @Test
  void aBaseTreeLendsChunksToAnEmptyDestinationAndStaysAsItWas() throws Exception {
    byte[][] v = versions();
    Files.createDirectories(net.root.resolve("run/step2"));
    Files.write(net.root.resolve("run/step2/ckpt.bin"), v[1]);
    Path base = Files.createDirectories(tmp.resolve("step1"));
    Files.write(base.resolve("ckpt.bin"), v[0]);
    net.start();
    PullResult r = net.pull(net.options("run/step2", dest).chunkSize(CHUNK).base(base));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(CHUNKS - 2, r.reusedChunks());
    assertEquals(2, r.chunks());
    assertTrue(java.util.Arrays.equals(v[1], Files.readAllBytes(dest.resolve("ckpt.bin"))));
    assertTrue(java.util.Arrays.equals(v[0], Files.readAllBytes(base.resolve("ckpt.bin"))), "the base is only read");
  }

  @Test
  void aFileListedStreamedIsListedAgainInFullSoItsOlderVersionCanLend() throws Exception {
    byte[][] v = versions();
    Files.write(net.root.resolve("ckpt.bin"), v[1]);
    Files.createDirectories(dest);
    Files.write(dest.resolve("ckpt.bin"), v[0]);
    net.startWith(o -> o.streamManifestsFrom(CHUNK)); // a cold file this large is listed without sums
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(CHUNKS - 2, r.reusedChunks(), r.toJson());
    assertTrue(java.util.Arrays.equals(v[1], Files.readAllBytes(dest.resolve("ckpt.bin"))));
  }

  // ------------------------------------------------------------ level 2: content-defined segments

  private static final int BIG_CHUNK = 1 << 20;

  @Test
  void oneByteChangedMovesASegmentNotItsChunk() throws Exception {
    byte[] v1 = TestFiles.bytes(8 * BIG_CHUNK, 51);
    byte[] v2 = v1.clone();
    v2[5 * BIG_CHUNK + 300_000] ^= 0x01;
    Files.write(net.root.resolve("ckpt.bin"), v2);
    Files.createDirectories(dest);
    Files.write(dest.resolve("ckpt.bin"), v1);
    net.start();
    PullResult r = net.pull(net.options("", dest).chunkSize(BIG_CHUNK));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(7, r.reusedChunks(), r.toJson());
    assertEquals(1, r.patchedChunks(), r.toJson());
    assertEquals(0, r.chunks(), "no chunk was fetched whole");
    assertTrue(r.bytes() > 0 && r.bytes() <= 2 * 256 * 1024, () -> "fetched " + r.bytes() + " bytes for one: " + r.toJson());
    assertEquals(v2.length - r.bytes(), r.reusedBytes());
    assertTrue(java.util.Arrays.equals(v2, Files.readAllBytes(dest.resolve("ckpt.bin"))));
  }

  @Test
  void aHeaderThatGrewShiftsEveryChunkAndSegmentsStillFindTheBytes() throws Exception {
    byte[] v1 = TestFiles.bytes(8 * BIG_CHUNK, 52);
    byte[] grown = TestFiles.bytes(100, 53);
    byte[] v2 = new byte[v1.length + 100];
    System.arraycopy(grown, 0, v2, 0, 100);
    System.arraycopy(v1, 0, v2, 100, v1.length);
    Files.write(net.root.resolve("ckpt.bin"), v2);
    Path base = Files.createDirectories(tmp.resolve("previous"));
    Files.write(base.resolve("ckpt.bin"), v1);
    net.start();
    PullResult r = net.pull(net.options("", dest).chunkSize(BIG_CHUNK).base(base));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(0, r.reusedChunks(), "nothing is where it was");
    assertEquals(9, r.patchedChunks() + r.chunks(), r.toJson());
    assertTrue(r.patchedChunks() >= 8, r::toJson);
    assertTrue(r.bytes() < v2.length / 10, () -> "fetched " + r.bytes() + " of " + v2.length + ": " + r.toJson());
    assertTrue(java.util.Arrays.equals(v2, Files.readAllBytes(dest.resolve("ckpt.bin"))));
  }

  @Test
  void newContentUnderAnOldNameIsFetchedWhole() throws Exception {
    Files.write(net.root.resolve("ckpt.bin"), TestFiles.bytes(4 * BIG_CHUNK, 61));
    Files.createDirectories(dest);
    Files.write(dest.resolve("ckpt.bin"), TestFiles.bytes(4 * BIG_CHUNK, 62));
    net.start();
    PullResult r = net.pull(net.options("", dest).chunkSize(BIG_CHUNK));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(0, r.reusedChunks() + r.patchedChunks());
    assertEquals(4, r.chunks());
  }

  @Test
  void noOlderVersionMeansAPlainPull() throws Exception {
    byte[][] v = versions();
    Files.write(net.root.resolve("ckpt.bin"), v[1]);
    net.start();
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).base(tmp.resolve("nothing-here")));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(0, r.reusedChunks());
    assertEquals(CHUNKS, r.chunks());
  }

  @Test
  void aChunkWhoseCrcMatchesButWhoseHashDoesNotIsNotReused() throws Exception {
    byte[] old = TestFiles.bytes(4 * CHUNK, 7);
    Path base = tmp.resolve("old.bin");
    Files.write(base, old);
    // the new version's manifest: chunk 2 with the base's CRC32C but another SHA-256 (bytes that
    // collide with the base's on the CRC, as a crafted or unlucky chunk would)
    FileManifest real = TestFiles.manifest("f", "f", old, CHUNK);
    byte[] hashes = real.chunkHashes().clone();
    hashes[2 * 32] ^= 1;
    FileManifest m = FileManifest.of("f", "f", old.length, 0, CHUNK, real.chunkCrcs(), hashes);
    assertEquals(Crc32c.of(old, 2 * CHUNK, CHUNK), m.chunkCrcs()[2]);
    BitSet all = new BitSet();
    all.set(0, 4);
    MemoryChunkSink.Factory sinks = new MemoryChunkSink.Factory();
    ChunkReuse.Result r = ChunkReuse.reuse(List.of(base), m, all, sinks.open(m), UnpooledByteBufAllocator.DEFAULT);
    BitSet expected = new BitSet();
    expected.set(0, 4);
    expected.clear(2);
    assertEquals(expected, r.chunks());
    assertEquals(3L * CHUNK, r.bytes());
    assertEquals(4L * CHUNK, r.bytesRead());
  }

  @Test
  void aBaseNameThatLeadsOutOfTheBaseTreeIsNotUsed() throws Exception {
    byte[][] v = versions();
    Files.write(net.root.resolve("ckpt.bin"), v[1]);
    Path outside = tmp.resolve("outside.bin");
    Files.write(outside, v[0]);
    Path base = Files.createDirectories(tmp.resolve("base"));
    Files.createSymbolicLink(base.resolve("ckpt.bin"), outside);
    net.start();
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).base(base));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(0, r.reusedChunks(), "a symlink out of the base tree lends nothing");
    assertTrue(java.util.Arrays.equals(v[1], Files.readAllBytes(dest.resolve("ckpt.bin"))));
  }
}
