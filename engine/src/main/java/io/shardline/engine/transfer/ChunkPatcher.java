package io.shardline.engine.transfer;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.delta.DeltaPlan;
import io.shardline.engine.delta.SegmentIndex;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.lane.ChunkTask;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.lane.RangeFetcher;
import io.shardline.engine.wire.FrameSocket;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level 2 of a delta pull (v6): the chunks that no older local version holds whole at their
 * offset are rebuilt from the content-defined segments they share with it. Per file: the older
 * version (its nearest base) is cut into segments ({@code delta.SegmentIndex}, on a disk worker),
 * the server's segments of the missing chunks are asked for (SEGMENTS), and each chunk is planned
 * ({@code delta.DeltaPlan}): bytes found in the base are copied from it, the rest fetched as byte
 * ranges (GET_RANGE), and the assembled chunk goes through {@link FileTransfer#acceptAssembled}
 * (the manifest's CRC32C and SHA-256, then written and journalled). A chunk with less than a
 * quarter of its bytes in the base, one that does not check out, and every chunk after a failure
 * (a server without segments, a lost connection) is handed back to be fetched whole by the lanes.
 * One connection, {@link #IN_FLIGHT} chunks at a time (each with all its ranges outstanding): memory
 * is that many chunks.
 * Runs on the pull's control context; the disk work on its disk workers.
 */
final class ChunkPatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkPatcher.class);
  /** Chunks per SEGMENTS request (1 GiB in 4 MiB chunks: ~16k segments, well inside one list). */
  static final int CHUNKS_PER_REQUEST = 256;
  /** Chunks being rebuilt at once (their ranges outstanding, or assembled on disk workers): memory is this many chunks. */
  static final int IN_FLIGHT = 4;
  /** A chunk is rebuilt only when at least this share of it is in the base. */
  static final double MIN_LOCAL_SHARE = 0.25;

  /** One file's chunks to try, with the base to cut and its path on the source. */
  record Work(FileTransfer file, String sourcePath, Path base, List<ChunkTask> tasks) {}

  private final Context control;
  private final WorkerExecutor disk;
  private final Supplier<Future<ClientConnection>> connect;
  private long wireBytes;

  /** @param connect opens a connection to the preferred source (called on {@code control}) */
  ChunkPatcher(Context control, WorkerExecutor disk, Supplier<Future<ClientConnection>> connect) {
    this.control = control;
    this.disk = disk;
    this.connect = connect;
  }

  /** Wire bytes of the ranges fetched so far. */
  long wireBytes() {
    return wireBytes;
  }

  /** Tries every file's chunks, one file after another; completes with the tasks left for the lanes. */
  Future<List<ChunkTask>> patch(List<Work> work) {
    Promise<List<ChunkTask>> out = Promise.promise();
    control.runOnContext(v -> connect.get()
        .compose(conn -> {
          RangeFetcher fetcher = new RangeFetcher(conn);
          List<ChunkTask> left = new ArrayList<>();
          return files(fetcher, work, 0, left)
              .eventually(() -> {
                wireBytes += fetcher.wireBytes();
                fetcher.close();
                return Future.succeededFuture();
              })
              .map(x -> left);
        })
        .recover(t -> {
          LOG.debug("delta pull without segments: {}", t.toString());
          List<ChunkTask> all = new ArrayList<>();
          work.forEach(w -> all.addAll(w.tasks()));
          return Future.succeededFuture(all);
        })
        .onComplete(out));
    return out.future();
  }

  private Future<Void> files(RangeFetcher fetcher, List<Work> work, int i, List<ChunkTask> left) {
    if (i == work.size()) {
      return Future.succeededFuture();
    }
    Work w = work.get(i);
    return file(fetcher, w, left)
        .recover(t -> {
          LOG.debug("{}: delta pull of its chunks stopped: {}", w.file().manifest().name(), t.toString());
          return Future.succeededFuture();
        })
        .compose(v -> files(fetcher, work, i + 1, left));
  }

  /**
   * One file: its server segments asked for (in runs of {@link #CHUNKS_PER_REQUEST} chunks) while
   * the base is cut on a disk worker, then its chunks rebuilt {@link #IN_FLIGHT} at a time; the
   * chunks not rebuilt are handed back.
   */
  private Future<Void> file(RangeFetcher fetcher, Work w, List<ChunkTask> left) {
    FileManifest m = w.file().manifest();
    List<ChunkTask> tasks = w.tasks();
    java.util.Set<ChunkTask> rebuilt = new java.util.HashSet<>();
    Future<List<Run>> remote = runs(fetcher, w, m, tasks, 0, new ArrayList<>());
    Future<Base> cut = disk.executeBlocking(() -> Base.open(w.base(), m, tasks), false);
    return Future.all(remote, cut)
        .compose(all -> window(fetcher, w, m, cut.result(), remote.result(), rebuilt))
        .eventually(() -> cut.succeeded() ? disk.executeBlocking(() -> {
          cut.result().close();
          return null;
        }, false) : Future.succeededFuture())
        .onComplete(ar -> tasks.stream().filter(t -> !rebuilt.contains(t)).forEach(left::add));
  }

  /** The server's segments of every run of chunks that holds a task, one request after another. */
  private Future<List<Run>> runs(RangeFetcher fetcher, Work w, FileManifest m, List<ChunkTask> tasks, int k,
      List<Run> out) {
    while (k < tasks.size() && !out.isEmpty() && out.get(out.size() - 1).holds(m, tasks.get(k).index())) {
      k++;
    }
    if (k >= tasks.size()) {
      return Future.succeededFuture(out);
    }
    int first = tasks.get(k).index();
    int last = Math.min(m.chunkCount() - 1, first + CHUNKS_PER_REQUEST - 1);
    long from = m.chunkOffset(first);
    long to = m.chunkOffset(last) + m.chunkLength(last);
    int next = k;
    return fetcher.segments(w.sourcePath(), from, to - from, m.versionTag())
        .compose(segs -> {
          out.add(new Run(from, to, segs));
          return runs(fetcher, w, m, tasks, next, out);
        });
  }

  /** Plans every task and rebuilds those worth it, at most {@link #IN_FLIGHT} at once (on the control context). */
  private Future<Void> window(RangeFetcher fetcher, Work w, FileManifest m, Base base, List<Run> runs,
      java.util.Set<ChunkTask> rebuilt) {
    Promise<Void> done = Promise.promise();
    List<ChunkTask> tasks = w.tasks();
    int[] next = {0};
    int[] active = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (active[0] < IN_FLIGHT && next[0] < tasks.size()) {
        ChunkTask task = tasks.get(next[0]++);
        long off = m.chunkOffset(task.index());
        int len = m.chunkLength(task.index());
        Run run = runs.stream().filter(r -> r.holds(m, task.index())).findFirst().orElse(null);
        if (run == null) {
          continue;
        }
        SegmentIndex near = base.indexFor(off, len);
        if (near == null) {
          continue;
        }
        DeltaPlan plan = DeltaPlan.of(run.segments().covering(off, off + len), off, len, near);
        if (plan.localBytes() < MIN_LOCAL_SHARE * len) {
          continue; // little to copy: the lanes fetch it whole
        }
        active[0]++;
        rebuild(fetcher, w, task, plan, base).onComplete(ar -> {
          active[0]--;
          if (ar.succeeded() && ar.result()) {
            rebuilt.add(task);
          }
          pump[0].run();
        });
      }
      if (active[0] == 0 && next[0] >= tasks.size()) {
        done.tryComplete();
      }
    };
    pump[0].run();
    return done.future();
  }

  /** One chunk: its remote pieces fetched at once, then assembled and checked on a disk worker. */
  private Future<Boolean> rebuild(RangeFetcher fetcher, Work w, ChunkTask task, DeltaPlan plan, Base base) {
    Map<DeltaPlan.Remote, Future<ByteBuf>> ranges = new LinkedHashMap<>();
    for (DeltaPlan.Piece p : plan.pieces()) {
      if (p instanceof DeltaPlan.Remote r) {
        ranges.put(r, fetcher.range(w.sourcePath(), r.offset(), r.length(), w.file().manifest().versionTag()));
      }
    }
    return Future.join(new ArrayList<>(ranges.values()))
        .transform(ar -> {
          if (ar.failed()) {
            ranges.values().forEach(f -> f.onSuccess(ByteBuf::release));
            return Future.failedFuture(ar.cause());
          }
          return disk.executeBlocking(() -> assemble(w.file(), task.index(), plan.offset(), plan.length(), plan, base,
              ranges), false);
        });
  }

  /** On a disk worker: the chunk from the base's bytes and the fetched ranges (released here), then checked and stored. */
  private static boolean assemble(FileTransfer ft, int index, long off, int len, DeltaPlan plan, Base base,
      Map<DeltaPlan.Remote, Future<ByteBuf>> ranges) throws IOException {
    ByteBuf chunk = FrameSocket.ALLOC.directBuffer(len, len);
    try {
      long copied = 0;
      for (DeltaPlan.Piece p : plan.pieces()) {
        int at = (int) (p.offset() - off);
        if (p instanceof DeltaPlan.Local l) {
          ByteBuffer dst = chunk.nioBuffer(at, l.length());
          ChunkSums.readFully(base.ch, dst, l.baseOffset());
          copied += l.length();
        } else if (p instanceof DeltaPlan.Remote r) {
          ByteBuf got = ranges.get(r).result();
          chunk.setBytes(at, got, got.readerIndex(), r.length());
        }
      }
      chunk.writerIndex(len);
      return ft.acceptAssembled(index, chunk, copied);
    } finally {
      chunk.release();
      ranges.values().forEach(f -> {
        if (f.succeeded()) {
          f.result().release();
        }
      });
    }
  }

  /** The server's segments of one run of chunks, {@code [from, to)}. */
  private record Run(long from, long to, SegmentIndex segments) {
    boolean holds(FileManifest m, int index) {
      return m.chunkOffset(index) >= from && m.chunkOffset(index) + m.chunkLength(index) <= to;
    }
  }

  /**
   * The older version: open for reading, and cut into segments. When few chunks are missing (a
   * third of the file or less), only the windows around them are cut (a chunk on either side:
   * content changed in place or shifted by less than a chunk is found there), not the whole file;
   * otherwise (a header that grew, files joined differently) the whole file.
   */
  private static final class Base implements AutoCloseable {
    final FileChannel ch;
    /** Cut ranges {@code [from, to)} and their segments, in file order, not overlapping. */
    private final List<long[]> ranges;
    private final List<SegmentIndex> indexes;

    private Base(FileChannel ch, List<long[]> ranges, List<SegmentIndex> indexes) {
      this.ch = ch;
      this.ranges = ranges;
      this.indexes = indexes;
    }

    static Base open(Path file, FileManifest m, List<ChunkTask> tasks) throws IOException {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      try {
        long size = ch.size();
        List<long[]> ranges = new ArrayList<>();
        if (3L * tasks.size() > m.chunkCount()) {
          ranges.add(new long[] {0, size});
        } else {
          for (ChunkTask t : tasks) { // in chunk order
            long from = Math.max(0, m.chunkOffset(t.index()) - m.chunkSize());
            long to = Math.min(size, m.chunkOffset(t.index()) + m.chunkLength(t.index()) + m.chunkSize());
            if (from >= to) {
              continue;
            }
            long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && from <= last[1]) {
              last[1] = Math.max(last[1], to);
            } else {
              ranges.add(new long[] {from, to});
            }
          }
        }
        List<SegmentIndex> indexes = new ArrayList<>(ranges.size());
        for (long[] r : ranges) {
          indexes.add(SegmentIndex.of(ch, r[0], r[1] - r[0]));
        }
        return new Base(ch, ranges, indexes);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }

    /** The cut range whose segments a chunk at {@code [off, off + len)} is planned against, or null. */
    SegmentIndex indexFor(long off, int len) {
      for (int i = 0; i < ranges.size(); i++) {
        long[] r = ranges.get(i);
        if (r[0] <= off && off < r[1] || ranges.size() == 1) {
          return indexes.get(i);
        }
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
