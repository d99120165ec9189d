package io.shardline.engine.lane;

import io.shardline.engine.codec.CodecId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.error.ShardlineException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link ChunkScheduler}: largest files first, requeued chunks first, failed files skipped. */
class ChunkSchedulerTest {
  static final int CHUNK = 4096;

  /** A file to receive that only knows its manifest and whether it failed. */
  static final class FakeTarget implements ChunkTarget {
    final FileManifest manifest;
    boolean failed;

    FakeTarget(String name, long size) {
      int[] crcs = new int[FileManifest.chunkCount(size, CHUNK)];
      this.manifest = FileManifest.of(name, name, size, 0, CHUNK, crcs, TestFiles.fakeHashes(crcs.length, size));
    }

    @Override
    public FileManifest manifest() {
      return manifest;
    }

    @Override
    public boolean failed() {
      return failed;
    }

    @Override
    public void accept(int index, CodecId codec, int rawLength, int wireCrc, ByteBuf payload) {
      throw new UnsupportedOperationException("the scheduler never delivers");
    }

    @Override
    public void fail(ShardlineException error) {
      failed = true;
    }

    @Override
    public String toString() {
      return manifest.name();
    }
  }

  static List<ChunkTask> tasks(FakeTarget... files) {
    List<ChunkTask> out = new ArrayList<>();
    for (FakeTarget f : files) {
      for (int i = 0; i < f.manifest.chunkCount(); i++) {
        out.add(new ChunkTask(f, i, 0));
      }
    }
    return out;
  }

  /** "name#index" for each chunk polled until the queue is empty. */
  static List<String> drain(ChunkScheduler s) {
    List<String> out = new ArrayList<>();
    for (ChunkTask t; (t = s.poll()) != null; ) {
      out.add(t.file() + "#" + t.index());
    }
    return out;
  }

  final FakeTarget small = new FakeTarget("small", 2 * CHUNK);
  final FakeTarget big = new FakeTarget("big", 3 * CHUNK + 1);
  final FakeTarget alsoBig = new FakeTarget("also-big", 3 * CHUNK + 1);
  final FakeTarget empty = new FakeTarget("empty", 0);

  @Test
  void largestFilesFirstThenByNameChunksInOrder() {
    List<ChunkTask> shuffled = tasks(small, big, alsoBig, empty);
    Collections.shuffle(shuffled, new Random(42));
    ChunkScheduler s = new ChunkScheduler(shuffled);
    assertEquals(10, s.size());
    assertEquals(List.of("also-big#0", "also-big#1", "also-big#2", "also-big#3",
        "big#0", "big#1", "big#2", "big#3",
        "small#0", "small#1"), drain(s));
    assertEquals(0, s.size());
    assertNull(s.poll());
  }

  @Test
  void requeuedChunksGoToTheFrontInTheirOrder() {
    ChunkScheduler s = new ChunkScheduler(tasks(big, small));
    ChunkTask b0 = s.poll();
    ChunkTask b1 = s.poll();
    s.poll();
    s.requeue(List.of(b1.retry(), b0.retry()));
    ChunkTask first = s.poll();
    assertEquals(1, first.index());
    assertEquals(1, first.attempts());
    assertEquals(List.of("big#0", "big#3", "small#0", "small#1"), drain(s));
  }

  @Test
  void requeueRunsEveryWakerOnce() {
    ChunkScheduler s = new ChunkScheduler(tasks(small));
    AtomicInteger woken = new AtomicInteger();
    List<Integer> sizesSeen = new ArrayList<>();
    s.onRequeue(woken::incrementAndGet);
    s.onRequeue(() -> sizesSeen.add(s.size())); // a waker may call back into the scheduler
    ChunkTask t = s.poll();
    assertEquals(0, woken.get(), "polling wakes nobody");
    s.requeue(List.of(t));
    assertEquals(1, woken.get());
    assertEquals(List.of(2), sizesSeen, "wakers run after the chunks are queued");
    s.requeue(List.of());
    assertEquals(2, woken.get());
  }

  @Test
  void requeueWakesIdleLanesOnAnEmptyQueue() {
    ChunkScheduler s = new ChunkScheduler(List.of());
    assertNull(s.poll());
    List<String> polledByWaker = new ArrayList<>();
    s.onRequeue(() -> polledByWaker.addAll(drain(s)));
    s.requeue(tasks(small));
    assertEquals(List.of("small#0", "small#1"), polledByWaker);
  }

  @Test
  void chunksOfFailedFilesAreSkipped() {
    ChunkScheduler s = new ChunkScheduler(tasks(big, alsoBig, small));
    assertEquals("also-big", s.poll().file().toString());
    alsoBig.fail(null);
    assertEquals(List.of("big#0", "big#1", "big#2", "big#3", "small#0", "small#1"), drain(s));
  }

  @Test
  void requeuedChunksOfAFileThatFailedMeanwhileAreSkipped() {
    ChunkScheduler s = new ChunkScheduler(tasks(big, small));
    ChunkTask b0 = s.poll();
    s.requeue(List.of(b0.retry()));
    big.fail(null);
    assertEquals(List.of("small#0", "small#1"), drain(s));
  }

  @Test
  void taskOffsetsAndLengthsComeFromTheManifest() {
    ChunkTask last = new ChunkTask(big, 3, 0);
    assertEquals(3L * CHUNK, last.offset());
    assertEquals(1, last.length());
    assertEquals(CHUNK, new ChunkTask(big, 0, 0).length());
    assertEquals(new ChunkTask(big, 3, 2), last.retry().retry());
  }

  @Test
  void aChunkThatIsNotThereYetGoesBehindEveryOtherWithoutCountingAnAttempt() {
    FakeTarget f = new FakeTarget("f", 3L * CHUNK);
    ChunkScheduler s = new ChunkScheduler(tasks(f));
    ChunkTask first = s.poll();
    s.later(first);
    assertEquals(1, s.poll().index());
    assertEquals(2, s.poll().index());
    ChunkTask back = s.poll();
    assertEquals(0, back.index());
    assertEquals(0, back.attempts());
    assertNull(s.poll());
  }

  @Test
  void aChunkSomeoneWaitsForIsHurriedToTheFrontOnlyWhileItWaits() {
    FakeTarget f = new FakeTarget("f", 4L * CHUNK);
    FakeTarget g = new FakeTarget("g", 4L * CHUNK);
    ChunkScheduler s = new ChunkScheduler(tasks(f));
    assertEquals(true, s.hurry(f, 3));
    assertEquals(3, s.poll().index());
    assertEquals(false, s.hurry(f, 3)); // in flight now: nothing to move
    assertEquals(false, s.hurry(g, 0)); // not a file of this queue
    assertEquals(0, s.poll().index());
    assertEquals(3, s.size() + 1);
  }
}
