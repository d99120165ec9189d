package io.shardline.engine.s3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.integrity.FileManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Read-ahead for one open object version: the chunks after the one a read asks for are fetched
 * before they are asked for, in runs of consecutive chunks, one ranged GET per run (the handle's
 * {@link RangeGet}, with its {@code If-Match}), {@link #RUNS_AHEAD} runs in flight. Each chunk is cut
 * from the streamed body into a buffer of its own as it arrives and handed to the read that asks
 * for it, which checks its CRC32C against the manifest like any chunk read. Exists because a
 * store's cost per request (tens of ms on S3Proxy, the first byte on AWS) is paid once per run
 * instead of once per chunk, and runs in flight overlap it: a pull reads at the rate of a few
 * whole-object GETs, not of one small GET at a time per disk worker.
 *
 * <p>Memory: chunks fetched and not yet taken count against the source's {@code budget} (bytes,
 * shared by its handles); a run starts only when all of it fits, else the read fetches its chunk
 * itself. A chunk is taken once; a chunk never asked for is released when the handle
 * {@link #close}s, which also ends the runs in flight. A chunk asked for again (the next pull of a
 * cached handle, a retry) fetches itself and starts a new pass: the chunks after it are read ahead
 * again. A run that fails leaves its chunks to be fetched by their reads, which then report the
 * store's error.
 * Thread-safe; {@link #take} blocks (a disk worker waiting for its chunk's bytes).
 */
final class S3ReadAhead {
  private static final Logger LOG = LoggerFactory.getLogger(S3ReadAhead.class);
  /** Bytes one run asks for at most (whole chunks; at least one chunk). */
  static final long RUN_BYTES = 16L << 20;
  /** Runs a handle keeps ahead of the chunk last asked for. */
  static final int RUNS_AHEAD = 4;

  /** Opens the body of {@code length} bytes at {@code offset} of the object version (a ranged GET). */
  interface RangeGet {
    ResponseInputStream<GetObjectResponse> open(long offset, long length) throws IOException;
  }

  private final FileManifest m;
  private final RangeGet get;
  private final Executor executor;
  private final Semaphore budget;
  private final int runChunks;
  /** Chunks fetched or being fetched ahead, not yet taken, by index; each holds one budget share of its length. */
  private final Map<Integer, CompletableFuture<ByteBuf>> ahead = new HashMap<>();
  /** Chunks fetched ahead or asked for in this pass over the object: not fetched ahead again in it. */
  private final BitSet planned = new BitSet();
  private final Set<ResponseInputStream<GetObjectResponse>> open = new HashSet<>();
  private boolean closed;

  /**
   * @param m the manifest whose chunks are read (complete: the CRCs are checked by the reads)
   * @param executor runs the GETs of runs (blocking threads)
   * @param budget bytes of chunks fetched ahead and not taken, shared by the source's handles
   */
  S3ReadAhead(FileManifest m, RangeGet get, Executor executor, Semaphore budget) {
    this.m = m;
    this.get = get;
    this.executor = executor;
    this.budget = budget;
    this.runChunks = (int) Math.max(1, RUN_BYTES / m.chunkSize());
  }

  /**
   * Chunk {@code index} (the caller owns it), if it was fetched ahead, else null: the caller fetches
   * it itself. Either way starts the runs after it that are not planned yet, as far as the budget allows.
   */
  ByteBuf take(int index, ByteBufAllocator alloc) throws IOException {
    CompletableFuture<ByteBuf> f;
    synchronized (this) {
      if (closed) {
        return null;
      }
      f = ahead.remove(index);
      if (f != null) {
        budget.release(m.chunkLength(index));
      } else if (planned.get(index)) {
        // Asked again (a later pull of the cached handle, a retry): a new pass over the object starts here.
        planned.clear(index + 1, m.chunkCount());
        ahead.keySet().forEach(planned::set);
      }
      planned.set(index);
      plan(index + 1, alloc);
    }
    if (f == null) {
      return null;
    }
    try {
      return f.get();
    } catch (ExecutionException e) {
      LOG.debug("chunk {} of {} was not fetched ahead ({}); fetching it alone", index, m.path(), e.getCause().toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.thenAccept(ByteBuf::release); // the run still hands it over: nobody takes it now
      throw new IOException("interrupted while chunk " + index + " of /" + m.path() + " was fetched", e);
    }
  }

  /**
   * Starts whole runs (up to {@link #RUN_BYTES}, cut short only by the file's end or a chunk already
   * planned) from the first chunk at or after {@code from} not planned, while that chunk is less than
   * {@link #RUNS_AHEAD} runs past {@code from}.
   */
  private void plan(int from, ByteBufAllocator alloc) {
    long limit = Math.min(m.chunkCount(), (long) from + (long) RUNS_AHEAD * runChunks);
    for (int first = planned.nextClearBit(from); first < limit; first = planned.nextClearBit(first)) {
      int next = planned.nextSetBit(first);
      int end = Math.min(Math.min(first + runChunks, m.chunkCount()), next < 0 ? Integer.MAX_VALUE : next);
      long bytes = m.chunkOffset(end - 1) + m.chunkLength(end - 1) - m.chunkOffset(first);
      if (!budget.tryAcquire((int) bytes)) {
        return; // the source holds as much read-ahead as it may: reads fetch their chunks themselves
      }
      List<CompletableFuture<ByteBuf>> chunks = new ArrayList<>(end - first);
      for (int i = first; i < end; i++) {
        CompletableFuture<ByteBuf> f = new CompletableFuture<>();
        ahead.put(i, f);
        chunks.add(f);
      }
      planned.set(first, end);
      int start = first;
      try {
        executor.execute(() -> run(start, chunks, alloc));
      } catch (RuntimeException e) { // rejected: the source is closing
        for (int i = first; i < end; i++) {
          ahead.remove(i);
        }
        budget.release((int) bytes);
        return;
      }
      first = end;
    }
  }

  /** One run: one ranged GET streamed into one buffer per chunk, each handed over as soon as it is full. */
  private void run(int first, List<CompletableFuture<ByteBuf>> chunks, ByteBufAllocator alloc) {
    int done = 0;
    ResponseInputStream<GetObjectResponse> in = null;
    try {
      int last = first + chunks.size() - 1;
      in = get.open(m.chunkOffset(first), m.chunkOffset(last) + m.chunkLength(last) - m.chunkOffset(first));
      synchronized (this) {
        if (closed) {
          throw new IOException("the handle was closed");
        }
        open.add(in);
      }
      for (; done < chunks.size(); done++) {
        int len = m.chunkLength(first + done);
        ByteBuf buf = alloc.directBuffer(len, len);
        try {
          while (buf.writerIndex() < len) {
            if (BodyCopy.append(in, buf, len - buf.writerIndex()) < 0) {
              throw new IOException("the store's answer ended " + (len - buf.writerIndex()) + " bytes short of chunk "
                  + (first + done));
            }
          }
        } catch (IOException | RuntimeException e) {
          buf.release();
          throw e;
        }
        if (!chunks.get(done).complete(buf)) {
          buf.release();
        }
      }
    } catch (Exception e) {
      for (int i = done; i < chunks.size(); i++) {
        chunks.get(i).completeExceptionally(e);
      }
    } finally {
      if (in != null) {
        synchronized (this) {
          open.remove(in);
        }
        if (done < chunks.size()) {
          in.abort(); // not read to its end: the connection is dropped, not drained
        } else {
          try {
            in.close();
          } catch (IOException e) {
            LOG.debug("closing a read-ahead GET of {}: {}", m.path(), e.toString());
          }
        }
      }
    }
  }

  /** Releases the chunks not taken (now, or when their run hands them over) and ends the runs in flight. */
  void close() {
    List<ResponseInputStream<GetObjectResponse>> streams;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (Map.Entry<Integer, CompletableFuture<ByteBuf>> e : ahead.entrySet()) {
        budget.release(m.chunkLength(e.getKey()));
        e.getValue().thenAccept(ByteBuf::release);
      }
      ahead.clear();
      streams = new ArrayList<>(open);
    }
    for (ResponseInputStream<GetObjectResponse> in : streams) {
      in.abort(); // the run's next read fails: its chunks complete exceptionally
    }
  }
}
