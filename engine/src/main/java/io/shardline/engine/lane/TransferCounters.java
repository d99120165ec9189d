package io.shardline.engine.lane;

import io.shardline.engine.codec.CodecId;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of one transfer, updated from lanes and disk workers; read by progress views. */
public final class TransferCounters {
  /** Bytes verified and written in this run. */
  public final LongAdder bytesDone = new LongAdder();
  /** Bytes already present (resumed chunks, complete files) and not fetched. */
  public final LongAdder bytesResumed = new LongAdder();
  /** Bytes received in DATA frames, headers included. */
  public final LongAdder wireBytes = new LongAdder();
  public final LongAdder chunks = new LongAdder();
  public final LongAdder retriedChunks = new LongAdder();
  public final LongAdder resumedChunks = new LongAdder();
  public final LongAdder filesDone = new LongAdder();
  public final LongAdder reconnects = new LongAdder();
  /** Connections that got to READY (a WELCOME), first ones included: lanes + reconnects, with no retargets. */
  public final LongAdder connections = new LongAdder();
  public final LongAdder activeLanes = new LongAdder();
  /** Chunks received per codec, by ordinal. */
  private final LongAdder[] codecChunks = new LongAdder[CodecId.values().length];
  /** The most recent lane or chunk error, for the final message. */
  public final AtomicReference<String> lastError = new AtomicReference<>();
  /** Files listed streamed (v4): summed by the server while their chunks flowed. */
  public final LongAdder streamedFiles = new LongAdder();
  /** GETs a relay answered NOT_YET (v5): chunks it had not received yet, asked for again later. */
  public final LongAdder notYet = new LongAdder();
  /** Chunks (and their bytes) copied from an older local version instead of fetched (delta). */
  public final LongAdder reusedChunks = new LongAdder();
  public final LongAdder reusedBytes = new LongAdder();
  /** Chunks a delta pull assembled from copied bytes and fetched ranges (v6). */
  public final LongAdder patchedChunks = new LongAdder();
  /** System.nanoTime() of the first DATA frame received, 0 before it. */
  private final AtomicLong firstData = new AtomicLong();
  public volatile long bytesTotal;
  public volatile int filesTotal;

  public TransferCounters() {
    for (int i = 0; i < codecChunks.length; i++) {
      codecChunks[i] = new LongAdder();
    }
  }

  /** Counts one chunk received in {@code codec}. */
  /** Notes that a DATA frame arrived (the first one's time is kept). */
  public void dataArrived(long nanos) {
    if (firstData.get() == 0) {
      firstData.compareAndSet(0, nanos == 0 ? 1 : nanos);
    }
  }

  /** System.nanoTime() of the first DATA frame, or 0 if none came. */
  public long firstDataNanos() {
    return firstData.get();
  }

  public void countChunk(CodecId codec) {
    codecChunks[codec.ordinal()].increment();
  }

  /** Chunks received so far in {@code codec}. */
  public long chunks(CodecId codec) {
    return codecChunks[codec.ordinal()].sum();
  }
}
