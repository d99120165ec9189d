package io.shardline.gateway.journal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The append-only, fsynced event journal of the gateway ({@code journal.log} in the data folder).
 * {@link #append} gives each event the next sequence number at once and completes once the event
 * is on disk; events appended while a write is in flight are written and forced together (group
 * commit), on one worker thread, never on the event loop. Confined to one context: call from it.
 *
 * <p>A failed write (a full disk, an I/O error) fails that batch and every event queued behind
 * it, cuts the file back to its last durable end (so no refused event can reappear on replay) and
 * gives their sequence numbers out again: the journal stays gap-free and the next append tries
 * the disk again. {@link #writable()} says whether the last write worked; {@link #probe()} checks
 * the disk without adding an event.
 */
public final class EventJournal implements AutoCloseable {
  /** Opens the journal's file; tests pass one that fails writes (a full disk). */
  @FunctionalInterface
  public interface ChannelOpener {
    FileChannel open(Path file) throws IOException;
  }

  /** Opens the journal file for reading and writing, creating it. */
  public static final ChannelOpener FILES = f -> FileChannel.open(f, StandardOpenOption.CREATE,
      StandardOpenOption.WRITE, StandardOpenOption.READ);
  /** Bytes the readiness probe writes and forces (beside the journal, then deleted). */
  static final int PROBE_BYTES = 4096;

  private final Context context;
  private final WorkerExecutor writer;
  private final FileChannel channel;
  private final Path probeFile;
  private final ChannelOpener opener;
  /** Encoded events waiting for the next write (each encoded once, in append), with their acks. */
  private final List<ByteBuffer> pending = new ArrayList<>();
  private final List<Promise<Void>> waiting = new ArrayList<>();
  private boolean writing;
  private long nextSeq;
  private long size;
  /** What is on disk for sure: the file's length and the sequence number after its last event. */
  private long durableSize;
  private long durableNextSeq;
  /** The file may hold bytes past {@link #durableSize} (a failed write whose cut-back failed too). */
  private boolean dirty;
  private boolean writable = true;
  private Future<Boolean> probing;

  private EventJournal(Vertx vertx, Context context, FileChannel channel, Path file, ChannelOpener opener,
      long nextSeq, long size) {
    this.context = context;
    this.opener = opener;
    this.channel = channel;
    this.probeFile = file.resolveSibling(file.getFileName() + ".probe");
    this.nextSeq = nextSeq;
    this.size = size;
    this.durableNextSeq = nextSeq;
    this.durableSize = size;
    this.writer = vertx.createSharedWorkerExecutor("shardline-journal-" + System.identityHashCode(this), 1);
  }

  /** What opening found: the journal, and the events after {@code fromOffset} to replay. */
  public record Opened(EventJournal journal, List<JournalRecord> replay) {}

  /**
   * Opens (creating) the journal, blocking: reads events from {@code fromOffset} (where a snapshot
   * ended; 0 for all), cuts off a torn last write, and positions appends at the end.
   */
  public static Opened open(Vertx vertx, Context context, Path file, long fromOffset, long lastSeq) throws IOException {
    return open(vertx, context, file, fromOffset, lastSeq, FILES);
  }

  /** {@link #open(Vertx, Context, Path, long, long)}, with the file opened by {@code opener}. */
  public static Opened open(Vertx vertx, Context context, Path file, long fromOffset, long lastSeq,
      ChannelOpener opener) throws IOException {
    RecordFile.Contents c = RecordFile.read(file, fromOffset);
    FileChannel ch = opener.open(file);
    if (c.goodEnd() < c.fileSize()) {
      ch.truncate(c.goodEnd()); // a torn last write, never acknowledged
      ch.force(true);
    }
    if (c.goodEnd() > ch.size()) {
      ch.close();
      throw new JournalCorruptException("journal " + file + " ends at " + ch.size() + " bytes, before the snapshot's "
          + c.goodEnd() + ": the journal was truncated or replaced; move snapshot.json away to replay it all");
    }
    ch.position(c.goodEnd());
    long seq = lastSeq;
    for (JournalRecord r : c.records()) {
      if (r.seq() != seq + 1) {
        ch.close();
        throw new JournalCorruptException("journal " + file + ": event " + r.seq() + " follows event " + seq);
      }
      seq = r.seq();
    }
    return new Opened(new EventJournal(vertx, context, ch, file, opener, seq + 1, c.goodEnd()), c.records());
  }

  /** The sequence number the next event will get. */
  public long nextSeq() {
    return nextSeq;
  }

  /** Bytes in the journal once everything appended so far is written. */
  public long size() {
    return size;
  }

  /** False since a write failed, until a write or a {@link #probe()} succeeds. */
  public boolean writable() {
    return writable;
  }

  /** Builds the next event (numbered, stamped now); append it with {@link #append}, at once. */
  public JournalRecord next(String jobId, String type, String actor, JsonObject data) {
    return next(jobId, type, actor, data, System.currentTimeMillis());
  }

  /** Builds the next event stamped {@code time}: one another gateway of a cluster recorded, taken over with its job. */
  public JournalRecord next(String jobId, String type, String actor, JsonObject data, long time) {
    return new JournalRecord(nextSeq++, time, jobId, type, actor, data);
  }

  /**
   * Writes events (from {@link #next}, in order, appended right after they were built); completes
   * when they are forced to disk, or fails (and then none of them is in the journal).
   */
  public Future<Void> append(List<JournalRecord> events) {
    ByteBuffer encoded;
    try {
      encoded = RecordFile.encode(events);
    } catch (IllegalArgumentException e) {
      if (!events.isEmpty() && events.get(events.size() - 1).seq() + 1 == nextSeq) {
        nextSeq = events.get(0).seq(); // never written: their numbers are given again
      }
      return Future.failedFuture(e);
    }
    Promise<Void> p = Promise.promise();
    size += encoded.remaining();
    pending.add(encoded);
    waiting.add(p);
    flush();
    return p.future();
  }

  /** What a write on the worker did: null or the failure, and whether the file is back at its durable end. */
  private record Outcome(IOException failure, boolean clean) {}

  private void flush() {
    if (writing || pending.isEmpty()) {
      return;
    }
    writing = true;
    ByteBuffer[] batch = pending.toArray(new ByteBuffer[0]);
    ByteBuffer last = batch[batch.length - 1];
    List<Promise<Void>> acks = new ArrayList<>(waiting);
    long batchEnd = size;
    long batchNextSeq = nextSeq;
    long start = durableSize;
    boolean repair = dirty;
    pending.clear();
    waiting.clear();
    writer.executeBlocking(() -> {
      try {
        if (repair) {
          cutBack(start);
        }
        while (last.hasRemaining()) {
          channel.write(batch); // a gathering write: the batch goes out in order, in as few calls as it takes
        }
        channel.force(false);
        return new Outcome(null, true);
      } catch (IOException e) {
        return new Outcome(e, cutBackQuietly(start, e));
      }
    }, true).onComplete(ar -> context.runOnContext(v -> {
      writing = false;
      IOException failure = ar.failed() ? new IOException(ar.cause()) : ar.result().failure();
      if (failure == null) {
        durableSize = batchEnd;
        durableNextSeq = batchNextSeq;
        dirty = false;
        writable = true;
        acks.forEach(Promise::tryComplete);
        flush();
        return;
      }
      // Everything after the durable end is dropped before anyone hears of it: a command answering
      // the failure may append again, and gets the numbers and offsets the failed events had.
      List<Promise<Void>> failed = new ArrayList<>(acks);
      failed.addAll(waiting);
      waiting.clear();
      pending.clear();
      nextSeq = durableNextSeq;
      size = durableSize;
      writable = false;
      dirty = ar.failed() || !ar.result().clean();
      IOException reported = new IOException("the journal cannot be written: " + failure.getMessage(), failure);
      failed.forEach(a -> a.tryFail(reported));
      flush();
    }));
  }

  /** Cuts the file back to {@code end} (bytes of a failed write), on the worker. */
  private void cutBack(long end) throws IOException {
    channel.truncate(end);
    channel.position(end);
    channel.force(false);
  }

  private boolean cutBackQuietly(long end, IOException cause) {
    try {
      cutBack(end);
      return true;
    } catch (IOException e) {
      cause.addSuppressed(e);
      return false;
    }
  }

  /**
   * Checks that the journal's disk takes writes again, without adding an event: cuts back a
   * failed write if need be, then writes, forces and deletes a small file beside the journal.
   * Completes with whether that worked (and {@link #writable()} follows). One probe at a time.
   */
  public Future<Boolean> probe() {
    if (probing != null) {
      return probing;
    }
    long end = durableSize;
    boolean repair = dirty && !writing;
    Future<Boolean> f = writer.executeBlocking(() -> {
      if (repair) {
        cutBack(end);
      }
      try (FileChannel ch = opener.open(probeFile)) {
        ByteBuffer b = ByteBuffer.allocate(PROBE_BYTES);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(false);
      } finally {
        Files.deleteIfExists(probeFile);
      }
      return repair;
    }, true).transform(ar -> {
      Promise<Boolean> p = Promise.promise();
      context.runOnContext(v -> {
        probing = null;
        if (ar.succeeded()) {
          if (ar.result() && !writing) {
            dirty = false;
          }
          writable = !dirty;
        }
        p.complete(ar.succeeded() && writable);
      });
      return p.future();
    });
    probing = f;
    return f;
  }

  @Override
  public void close() throws IOException {
    writer.close();
    channel.close();
  }
}
