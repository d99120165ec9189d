package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.LocalDestination;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The chunk size a pull lists with respects its destination's minimum part size. */
class ChunkSizeForTest {
  static final int MIB = 1024 * 1024;

  @Test
  void theRequestedSizeIsDoubledUntilTheDestinationTakesIt() {
    assertEquals(8 * MIB, PullOptions.chunkSizeFor(4 * MIB, 5 * MIB), "S3: the default 4 MiB becomes 8 MiB");
    assertEquals(5 * MIB, PullOptions.chunkSizeFor(5 * MIB, 5 * MIB));
    assertEquals(16 * MIB, PullOptions.chunkSizeFor(16 * MIB, 5 * MIB), "larger requests stand");
    assertEquals(64 * 1024, PullOptions.chunkSizeFor(64 * 1024, 1), "a local folder takes any size");
    assertEquals(6 * MIB, PullOptions.chunkSizeFor(3 * MIB, 5 * MIB));
  }

  @Test
  void aMinimumAboveTheProtocolsLargestChunkIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> PullOptions.chunkSizeFor(4 * MIB, 65 * MIB));
    assertThrows(IllegalArgumentException.class, () -> PullOptions.chunkSizeFor(0, 5 * MIB));
  }

  @Test
  void aLocalDestinationHasNoMinimum() {
    ChunkSink.Factory local = new LocalDestination(Path.of("unused"));
    assertEquals(1, local.minChunkBytes());
  }
}
