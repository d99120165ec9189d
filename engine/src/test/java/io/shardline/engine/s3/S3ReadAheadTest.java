package io.shardline.engine.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * {@link S3ReadAhead} against an in-memory object: chunks handed over byte-exact and in runs (few
 * GETs), the budget back to full and every buffer released when the handle closes with runs in
 * flight, a failed run leaving its chunks to their reads, and a second pass read ahead again.
 * Leaks fail the class ({@code LeakGuard}, paranoid detection).
 */
class S3ReadAheadTest {
  static final int CHUNK = 1 << 20;
  static final int BUDGET = 64 << 20;
  final ExecutorService threads = Executors.newFixedThreadPool(4);
  final Semaphore budget = new Semaphore(BUDGET);
  final byte[] object = new byte[40 * CHUNK + 123];
  final List<long[]> gets = new ArrayList<>();

  S3ReadAheadTest() {
    new SplittableRandom(7).nextBytes(object);
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  FileManifest manifest() {
    return TestFiles.manifest("big.bin", "big.bin", object, CHUNK);
  }

  ResponseInputStream<GetObjectResponse> body(long offset, long length, InputStream in) {
    synchronized (gets) {
      gets.add(new long[] {offset, length});
    }
    return new ResponseInputStream<>(GetObjectResponse.builder().contentLength(length).build(),
        AbortableInputStream.create(in));
  }

  S3ReadAhead.RangeGet memory() {
    return (offset, length) -> body(offset, length, new ByteArrayInputStream(object, (int) offset, (int) length));
  }

  @Test
  void chunksAreHandedOverByteExactFromFewGetsAndTheBudgetComesBack() throws Exception {
    FileManifest m = manifest();
    S3ReadAhead ra = new S3ReadAhead(m, memory(), threads, budget);
    int fetchedAhead = 0;
    for (int i = 0; i < m.chunkCount(); i++) {
      ByteBuf b = ra.take(i, PooledByteBufAllocator.DEFAULT);
      if (b != null) {
        fetchedAhead++;
        assertArrayEquals(Arrays.copyOfRange(object, (int) m.chunkOffset(i), (int) m.chunkOffset(i) + m.chunkLength(i)),
            ByteBufUtil.getBytes(b), "chunk " + i);
        b.release();
      }
    }
    ra.close();
    assertEquals(m.chunkCount() - 1, fetchedAhead, "all but the first chunk were read ahead");
    int runChunks = (int) (S3ReadAhead.RUN_BYTES / CHUNK);
    assertTrue(gets.size() <= (m.chunkCount() + runChunks - 1) / runChunks + 1, "runs, not a GET per chunk: " + gets.size());
    assertEquals(BUDGET, budget.availablePermits());
  }

  @Test
  void closingWithRunsInFlightReleasesEveryBufferAndTheBudget() throws Exception {
    FileManifest m = manifest();
    CountDownLatch stalled = new CountDownLatch(1);
    S3ReadAhead ra = new S3ReadAhead(m, (offset, length) -> body(offset, length, new InputStream() {
      final InputStream data = new ByteArrayInputStream(object, (int) offset, (int) length);
      int served;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (served > 3 * CHUNK / 2) { // half-way through its second chunk: stall until the stream is aborted
          stalled.countDown();
          try {
            Thread.sleep(10_000); // interrupted by shutdownNow, or ended by abort: bounded either way
          } catch (InterruptedException e) {
            throw new IOException("aborted");
          }
        }
        int n = data.read(b, off, len);
        served += Math.max(n, 0);
        return n;
      }
    }), threads, budget);
    assertNull(ra.take(0, PooledByteBufAllocator.DEFAULT), "the first chunk is the caller's to fetch");
    assertTrue(stalled.await(10, TimeUnit.SECONDS), "a run is in flight");
    ra.close();
    threads.shutdownNow(); // ends the stalled read as an abort of its connection would
    assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
    assertEquals(BUDGET, budget.availablePermits(), "every chunk fetched ahead was given back");
    assertNull(ra.take(5, PooledByteBufAllocator.DEFAULT), "a closed handle reads nothing ahead");
  }

  @Test
  void aFailedRunLeavesItsChunksToTheirReads() throws Exception {
    FileManifest m = manifest();
    S3ReadAhead ra = new S3ReadAhead(m, (offset, length) -> {
      throw new IOException("store down");
    }, threads, budget);
    for (int i = 0; i < 4; i++) {
      assertNull(ra.take(i, PooledByteBufAllocator.DEFAULT), "chunk " + i + " is fetched by its read");
    }
    ra.close();
    assertEquals(BUDGET, budget.availablePermits());
  }

  @Test
  void aSecondPassOverTheObjectIsReadAheadAgain() throws Exception {
    FileManifest m = manifest();
    S3ReadAhead ra = new S3ReadAhead(m, memory(), threads, budget);
    for (int pass = 0; pass < 2; pass++) {
      int ahead = 0;
      for (int i = 0; i < 12; i++) {
        ByteBuf b = ra.take(i, PooledByteBufAllocator.DEFAULT);
        if (b != null) {
          ahead++;
          b.release();
        }
      }
      assertEquals(11, ahead, "pass " + pass);
    }
    ra.close();
    assertEquals(BUDGET, budget.availablePermits());
  }

  @Test
  void withNoBudgetNothingIsReadAhead() throws Exception {
    FileManifest m = manifest();
    S3ReadAhead ra = new S3ReadAhead(m, memory(), threads, new Semaphore(0));
    for (int i = 0; i < 5; i++) {
      assertNull(ra.take(i, PooledByteBufAllocator.DEFAULT));
    }
    ra.close();
    assertEquals(0, gets.size());
    assertNotNull(m);
  }
}
