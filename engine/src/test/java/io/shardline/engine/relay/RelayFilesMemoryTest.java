package io.shardline.engine.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shardline.engine.wire.FrameSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The relay's recent chunks live off the heap, owned by its cache: copied in, copied out, released once. */
class RelayFilesMemoryTest {
  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) seed);
    b[n - 1] = (byte) (seed + 1);
    return b;
  }

  private static byte[] recalled(RelayFiles files, String name, int index, int n) {
    ByteBuf into = FrameSocket.ALLOC.directBuffer(n, n);
    try {
      if (!files.recall(name, index, into)) {
        return null;
      }
      byte[] out = new byte[into.readableBytes()];
      into.getBytes(0, out);
      return out;
    } finally {
      into.release();
    }
  }

  @Test
  void aRememberedChunkIsCopiedOutAsOftenAsAskedAndTheCallersBufferStaysTheCallers() {
    RelayFiles files = new RelayFiles(1 << 20);
    byte[] chunk = bytes(64 * 1024, 7);
    ByteBuf received = Unpooled.directBuffer(chunk.length).writeBytes(chunk);
    files.remember("a.bin", 0, received);
    assertEquals(1, received.refCnt(), "the pull's buffer is not taken: the cache keeps a copy");
    received.release();
    assertArrayEquals(chunk, recalled(files, "a.bin", 0, chunk.length));
    assertArrayEquals(chunk, recalled(files, "a.bin", 0, chunk.length), "a recall leaves the copy in place");
    assertEquals(null, recalled(files, "a.bin", 1, chunk.length));
    files.close();
    assertEquals(null, recalled(files, "a.bin", 0, chunk.length), "closed: nothing kept");
  }

  @Test
  void theCacheIsBoundedByBytesAndReleasesWhatItDropsOrReplaces() {
    int n = 256 * 1024;
    RelayFiles files = new RelayFiles(4L * n);
    long before = FrameSocket.ALLOC.metric().usedDirectMemory();
    for (int i = 0; i < 32; i++) {
      ByteBuf b = Unpooled.wrappedBuffer(bytes(n, i));
      files.remember("big.bin", i, b);
      files.remember("big.bin", i, b); // the same chunk twice: the first copy is replaced and released
      b.release();
    }
    int kept = 0;
    for (int i = 0; i < 32; i++) {
      byte[] got = recalled(files, "big.bin", i, n);
      if (got != null) {
        kept++;
        assertArrayEquals(bytes(n, i), got);
      }
    }
    assertTrue(kept > 0 && kept <= 4, "kept " + kept + " chunks of a 4-chunk budget");
    files.close();
    assertFalse(FrameSocket.ALLOC.metric().usedDirectMemory() > before + 8L * n,
        "dropped copies went back to the pool: used " + FrameSocket.ALLOC.metric().usedDirectMemory() + " from " + before);
  }
}
