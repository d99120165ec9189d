package io.shardline.engine.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.engine.lane.ChunkSchedulerTest.FakeTarget;
import org.junit.jupiter.api.Test;

/** {@link ClientLane#weight}: a chunk's share of the window and the disk backlog, by its length. */
class ClientLaneWeightTest {
  private static final int CHUNK = ChunkSchedulerTest.CHUNK;

  @Test
  void aWholeChunkWeighsAllItsSlotsAndShorterOnesTheirShareRoundedUp() {
    FakeTarget big = new FakeTarget("big", 3L * CHUNK + CHUNK / 4);
    assertEquals(ClientLane.SLOTS, ClientLane.weight(new ChunkTask(big, 0, 0)), "a whole chunk");
    assertEquals(ClientLane.SLOTS / 4, ClientLane.weight(new ChunkTask(big, 3, 0)), "a last chunk of a quarter");
    FakeTarget small = new FakeTarget("small", CHUNK / ClientLane.SLOTS);
    assertEquals(1, ClientLane.weight(new ChunkTask(small, 0, 0)), "1/64 of a chunk");
    FakeTarget tiny = new FakeTarget("tiny", 1);
    assertEquals(1, ClientLane.weight(new ChunkTask(tiny, 0, 0)), "never less than 1");
    FakeTarget odd = new FakeTarget("odd", CHUNK / ClientLane.SLOTS + 1);
    assertEquals(2, ClientLane.weight(new ChunkTask(odd, 0, 0)), "rounded up: the window never holds more bytes");
  }
}
