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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The append-only, fsynced event journal of the gateway ({@code journal.log} in the data folder).
 * {@link #append} gives each event the next sequence number at once and completes once the event
 * is on disk; events appended while a write is in flight are written and forced together (group
 * commit), on one worker thread, never on the event loop. Confined to one context: call from it.
 */
public final class EventJournal implements AutoCloseable {
  private final Context context;
  private final WorkerExecutor writer;
  private final FileChannel channel;
  /** Encoded events waiting for the next write (each encoded once, in append). */
  private final List<ByteBuffer> pending = new ArrayList<>();
  private final List<Promise<Void>> waiting = new ArrayList<>();
  private boolean writing;
  private long nextSeq;
  private long size;
  private IOException broken;

  private EventJournal(Vertx vertx, Context context, FileChannel channel, long nextSeq, long size) {
    this.context = context;
    this.channel = channel;
    this.nextSeq = nextSeq;
    this.size = size;
    this.writer = vertx.createSharedWorkerExecutor("shardline-journal-" + System.identityHashCode(this), 1);
  }

  /** What opening found: the journal, and the events after {@code fromOffset} to replay. */
  public record Opened(EventJournal journal, List<JournalRecord> replay) {}

  /**
   * Opens (creating) the journal, blocking: reads events from {@code fromOffset} (where a snapshot
   * ended; 0 for all), cuts off a torn last write, and positions appends at the end.
   */
  public static Opened open(Vertx vertx, Context context, Path file, long fromOffset, long lastSeq) throws IOException {
    RecordFile.Contents c = RecordFile.read(file, fromOffset);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
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
    return new Opened(new EventJournal(vertx, context, ch, seq + 1, c.goodEnd()), c.records());
  }

  /** The sequence number the next event will get. */
  public long nextSeq() {
    return nextSeq;
  }

  /** Bytes in the journal once everything appended so far is written. */
  public long size() {
    return size;
  }

  /** Builds the next event (numbered, stamped now); append it with {@link #append}. */
  public JournalRecord next(String jobId, String type, String actor, JsonObject data) {
    return new JournalRecord(nextSeq++, System.currentTimeMillis(), jobId, type, actor, data);
  }

  /** Writes events (from {@link #next}, in order); completes when they are forced to disk. */
  public Future<Void> append(List<JournalRecord> events) {
    if (broken != null) {
      return Future.failedFuture(new IOException("the journal cannot be written: " + broken.getMessage(), broken));
    }
    Promise<Void> p = Promise.promise();
    ByteBuffer encoded = RecordFile.encode(events);
    size += encoded.remaining();
    pending.add(encoded);
    waiting.add(p);
    flush();
    return p.future();
  }

  private void flush() {
    if (writing || pending.isEmpty()) {
      return;
    }
    writing = true;
    ByteBuffer[] batch = pending.toArray(new ByteBuffer[0]);
    ByteBuffer last = batch[batch.length - 1];
    List<Promise<Void>> acks = new ArrayList<>(waiting);
    pending.clear();
    waiting.clear();
    writer.executeBlocking(() -> {
      while (last.hasRemaining()) {
        channel.write(batch); // a gathering write: the batch goes out in order, in as few calls as it takes
      }
      channel.force(false);
      return null;
    }, true).onComplete(ar -> context.runOnContext(v -> {
      writing = false;
      if (ar.failed()) {
        broken = ar.cause() instanceof IOException io ? io : new IOException(ar.cause());
        acks.forEach(a -> a.tryFail(broken));
        waiting.forEach(a -> a.tryFail(broken));
        waiting.clear();
        pending.clear();
      } else {
        acks.forEach(Promise::tryComplete);
        flush();
      }
    }));
  }

  @Override
  public void close() throws IOException {
    writer.close();
    channel.close();
  }
}
