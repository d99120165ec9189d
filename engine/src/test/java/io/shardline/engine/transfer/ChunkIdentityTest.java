package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecSet;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.integrity.Sha256;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.storage.MemoryChunkSink;
import io.shardline.engine.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Strong chunk identity (v6): a chunk is written only when both its CRC32C and its SHA-256 are the
 * manifest's, and a published file's digest is the Merkle root over the SHA-256 of its bytes.
 */
class ChunkIdentityTest extends LoopbackTestBase {
  private static final int CHUNK = 64 * 1024;

  @Test
  void aChunkWhoseCrcMatchesButWhoseHashDoesNotIsRefusedAndNothingIsPublished() throws Exception {
    byte[] bytes = TestFiles.bytes(3 * CHUNK, 5);
    FileManifest honest = TestFiles.manifest("f.bin", "f.bin", bytes, CHUNK);
    byte[] lying = honest.chunkHashes().clone();
    lying[32 + 7] ^= 0x40; // chunk 1's hash, as a source whose CRCs collide would list it
    FileManifest m = FileManifest.of("f.bin", "f.bin", bytes.length, 0, CHUNK, honest.chunkCrcs(), lying);
    MemoryChunkSink.Factory sinks = new MemoryChunkSink.Factory();
    AtomicInteger finished = new AtomicInteger();
    FileTransfer ft = new FileTransfer(sinks.open(m), new BitSet(), new TransferCounters(), CodecSet.standard(1),
        t -> finished.incrementAndGet(), t -> {});
    ShardlineException refused = null;
    for (int i = 0; i < 3; i++) {
      ByteBuf payload = Unpooled.directBuffer(CHUNK).writeBytes(bytes, i * CHUNK, CHUNK);
      try {
        ft.accept(i, CodecId.IDENTITY, CHUNK, Crc32c.of(bytes, i * CHUNK, CHUNK), payload);
      } catch (ShardlineException e) {
        assertEquals(null, refused, "only chunk 1 is refused");
        refused = e;
        ft.fail(e); // what a lane does with a chunk error that is not retryable
      }
    }
    assertTrue(refused != null && ft.failed());
    assertEquals(ErrorCode.SOURCE_CHANGED, refused.code());
    assertTrue(refused.getMessage().contains("chunk 1") && refused.getMessage().contains("SHA-256"),
        refused::getMessage);
    assertTrue(sinks.published().isEmpty(), "nothing published");
    assertEquals(1, finished.get());
  }

  @Test
  void thePublishedDigestIsTheMerkleRootOverTheSha256OfTheFilesChunks() throws Exception {
    {
      Path src = Loopback.file(net.root.resolve("w.bin"), 5L * CHUNK + 123, 17);
      net.start();
      PullResult r = net.pull(net.options("w.bin", dest).chunkSize(CHUNK));
      assertTrue(r.ok(), r.errors()::toString);
      byte[] got = Files.readAllBytes(dest.resolve("w.bin"));
      byte[] hashes = TestFiles.hashes(got, CHUNK);
      assertEquals(RootDigest.hex(RootDigest.of(got.length, CHUNK, hashes)), r.digests().get("w.bin"));
      // and the server's manifest said the same: its sums are the file's
      ChunkSums.Computed c = ChunkSums.compute(src, Files.size(src), CHUNK);
      assertEquals(java.util.HexFormat.of().formatHex(hashes), java.util.HexFormat.of().formatHex(c.hashes()));
      assertFalse(r.digests().get("w.bin").isEmpty());
    }
  }

  @Test
  void withVerifyHashesEveryReceivedChunkIsHashedAndThePullStillPublishes() throws Exception {
    Loopback.file(net.root.resolve("h.bin"), 7L * CHUNK + 5, 18);
    net.start();
    PullResult r = net.pull(net.options("h.bin", dest).chunkSize(CHUNK).verifyHashes(true));
    assertTrue(r.ok(), r.errors()::toString);
    byte[] got = Files.readAllBytes(dest.resolve("h.bin"));
    assertEquals(RootDigest.hex(RootDigest.of(got.length, CHUNK, TestFiles.hashes(got, CHUNK))), r.digests().get("h.bin"));
  }

  @Test
  void nativeAndJdkSha256Agree() {
    byte[] data = TestFiles.bytes(3 * CHUNK + 11, 3);
    ByteBuf direct = Unpooled.directBuffer(data.length).writeBytes(data);
    try {
      byte[] jdk = Sha256.of(data, 0, data.length);
      assertEquals(java.util.HexFormat.of().formatHex(jdk), java.util.HexFormat.of().formatHex(Sha256.of(direct)));
      ByteBuf composite = Unpooled.wrappedBuffer(direct.retainedSlice(0, 1000), direct.retainedSlice(1000, data.length - 1000));
      try {
        assertEquals(java.util.HexFormat.of().formatHex(jdk), java.util.HexFormat.of().formatHex(Sha256.of(composite)));
      } finally {
        composite.release();
      }
      assertEquals(java.util.HexFormat.of().formatHex(jdk),
          java.util.HexFormat.of().formatHex(Sha256.of(direct.nioBuffer())));
    } finally {
      direct.release();
    }
  }
}
