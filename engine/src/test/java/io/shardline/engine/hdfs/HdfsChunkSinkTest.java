package io.shardline.engine.hdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HdfsChunkSink}'s ordering on the local file system (the same append-only stream calls):
 * chunks written by 8 threads in a jittered order, some twice, with journal records and flushes
 * in between, land as the file's bytes in order; the published file is the source's. Repeated:
 * the threads interleave differently each time.
 */
class HdfsChunkSinkTest {
  @TempDir
  java.nio.file.Path tmp;

  @RepeatedTest(10)
  void chunksFromEightThreadsInAJitteredOrderLandInOrder() throws Exception {
    int chunk = 64 << 10;
    byte[] data = new byte[200 * chunk + 777];
    new SplittableRandom(3).nextBytes(data);
    int count = FileManifest.chunkCount(data.length, chunk);
    int[] crcs = new int[count];
    for (int i = 0; i < count; i++) {
      crcs[i] = Crc32c.of(data, i * chunk, Math.min(chunk, data.length - i * chunk));
    }
    FileManifest m = TestFiles.manifest("f.bin", "f.bin", data, chunk);
    FileSystem fs = FileSystem.getLocal(new Configuration()).getRaw();
    java.nio.file.Path dir = Files.createDirectories(tmp.resolve("dest"));
    HdfsLocation at = HdfsLocation.parse("hdfs://127.0.0.1:1" + dir.resolve("f.bin"));
    HdfsChunkSink sink = new HdfsChunkSink(fs, at, tmp.resolve("f.journal"), m);
    assertEquals(0, sink.prepare().cardinality());
    // A jittered order: each chunk swapped with one up to 6 places ahead, as lanes deliver them.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      order.add(i);
    }
    SplittableRandom rnd = new SplittableRandom(4);
    for (int i = 0; i < count; i++) {
      int j = Math.min(count - 1, i + rnd.nextInt(0, 7));
      order.set(i, order.set(j, order.get(i)));
    }
    for (int i = 0; i < count; i += 17) {
      order.add(i + 1 < count ? i + 1 : i, i); // some chunks sent twice
    }
    AtomicInteger next = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(8);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      done.add(workers.submit(() -> {
        for (int k; (k = next.getAndIncrement()) < order.size(); ) {
          int i = order.get(k);
          int len = m.chunkLength(i);
          ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(len, len);
          try {
            b.writeBytes(data, i * chunk, len);
            sink.write(i, b);
            sink.journal(i, crcs[i]);
          } finally {
            b.release();
          }
          if (k % 25 == 0) {
            sink.flushJournal();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    workers.shutdown();
    sink.publish(crcs, m.chunkHashes());
    assertTrue(sink.published());
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("f.bin")));
  }
}
