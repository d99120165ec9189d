package io.shardline.engine.hdfs;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.AbstractChunkSink;
import io.shardline.engine.storage.ResumeJournal;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.BitSet;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * One file received into HDFS. HDFS files are append-only, so chunks reach the file in order:
 * a chunk that arrives before its predecessors is held (a copy) in a reorder buffer of at most
 * {@link #MAX_HELD_BYTES}; a write that would overflow it waits (bounded by
 * {@link #HOLD_TIMEOUT_SECONDS}) until the gap is filled, which is backpressure on the lane that
 * ran ahead. Lanes ask for chunks roughly in order, so the buffer stays a few chunks deep. One
 * thread appends at a time, outside this sink's lock, so other chunks are taken and journalled
 * meanwhile; a chunk whose predecessors are all in some thread's hands waits for its turn without
 * a copy, and a flush ({@code hflush}) does not stop the appends.
 *
 * <p>Bytes go to a hidden partial file beside the final one ({@code .NAME.shardline-partial}, never
 * listed by a source); each chunk appended is recorded in a local {@link ResumeJournal} once the
 * stream was {@code hflush}ed, so a journalled chunk is in HDFS. {@link #prepare()} of a re-run
 * recovers the lease a killed writer held, truncates the partial file to the last journalled chunk
 * of the contiguous prefix (without a journal for this manifest, to the prefix whose chunks read back
 * with the manifest's CRC32C) and appends from there. {@link #publish} checks the root, {@code hsync}s
 * and renames the partial file to the final name (atomic within a namespace), failing if another
 * file took that name. A final file already there that matches the manifest (every chunk read back
 * with its CRC32C) is skipped. Blocking: call from worker threads.
 */
final class HdfsChunkSink extends AbstractChunkSink {
  /** Bytes of out-of-order chunks held before a write waits for the gap to close. */
  static final long MAX_HELD_BYTES = 256L << 20;
  /** How long a write waits for earlier chunks before it fails. */
  static final long HOLD_TIMEOUT_SECONDS = 120;
  private static final long LEASE_WAIT_MS = 60_000;
  /** Chunks between two {@code hflush} + journal flushes: at most this many chunks are sent again after a kill. */
  static final int FLUSH_EVERY = 8;

  private final FileSystem fs;
  private final HdfsLocation at;
  private final Path target;
  private final Path partial;
  private final java.nio.file.Path journalPath;
  private ResumeJournal journal;
  private FSDataOutputStream out;
  private int next;
  private long held;
  /** Chunks that arrived after a gap, as copies, by index. */
  private final TreeMap<Integer, byte[]> waiting = new TreeMap<>();
  /** Chunks whose writers wait for their turn to append (nothing missing before them). */
  private final BitSet claimed = new BitSet();
  /** Whether a thread is appending to the stream (outside this sink's lock). */
  private boolean appending;
  /** Held by whoever flushes, syncs or closes the stream, so none of them meets a stream another closed. */
  private final Object streamLock = new Object();
  private boolean alreadyComplete;
  private volatile boolean published;
  private IOException failed;
  private int sinceFlush;

  HdfsChunkSink(FileSystem fs, HdfsLocation at, java.nio.file.Path journalPath, FileManifest manifest) {
    super(manifest);
    this.fs = fs;
    this.at = at;
    this.target = new Path(at.path());
    this.partial = new Path(target.getParent(), HdfsNames.partial(target.getName()));
    this.journalPath = journalPath;
  }

  @Override
  public Constraints constraints() {
    return new Constraints(false, 1, true);
  }

  @Override
  public boolean hasPartialState() throws IOException {
    return Files.isRegularFile(journalPath) || exists(partial);
  }

  private boolean exists(Path p) throws IOException {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      throw HdfsErrors.of(e, "checking", at, ErrorCode.DESTINATION_ERROR);
    }
  }

  @Override
  public synchronized BitSet prepare() throws IOException {
    FileManifest m = manifest();
    BitSet ok = new BitSet(m.chunkCount());
    try {
      if (!m.streamed() && finalMatches(m)) {
        alreadyComplete = true;
        ok.set(0, m.chunkCount());
        return ok;
      }
      fs.mkdirs(target.getParent());
      int keep = 0;
      if (!m.streamed() && exists(partial)) {
        BitSet journalled = ResumeJournal.read(journalPath, m);
        keep = journalled.nextClearBit(0);
        closeLease();
        long len = fs.getFileStatus(partial).getLen();
        keep = (int) Math.min(keep, len / m.chunkSize());
        if (keep == 0) {
          // No journal for this manifest (the first run listed the file streamed, so its journal names no
          // root, or it died before its first flush): the partial file's chunks are read back in order and
          // kept while they match the manifest's CRC32C.
          keep = matchingPrefix(m, len);
        }
        long cut = (long) keep * m.chunkSize();
        if (keep == 0) {
          fs.delete(partial, false);
        } else if (len > cut && !fs.truncate(partial, cut)) {
          closeLease(); // the truncate ends with a block recovery
        }
      }
      journal = ResumeJournal.open(journalPath, m, keep > 0);
      out = keep > 0 ? fs.append(partial) : fs.create(partial, false);
      next = keep;
      ok.set(0, keep);
      return ok;
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw HdfsErrors.of(e, "preparing", at, ErrorCode.DESTINATION_ERROR);
    }
  }

  /** Recovers the lease a killed writer still holds on the partial file and waits until it is closed. */
  private void closeLease() throws IOException {
    if (!(fs instanceof DistributedFileSystem dfs)) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEASE_WAIT_MS);
    boolean closed = dfs.recoverLease(partial);
    while (!closed && !dfs.isFileClosed(partial)) {
      if (System.nanoTime() > deadline) {
        throw new ShardlineException(ErrorCode.DESTINATION_ERROR, "the partial file " + at.fileSystem() + partial
            .toUri().getPath() + " is still open by an earlier writer after " + LEASE_WAIT_MS / 1000 + " s");
      }
      try {
        Thread.sleep(200); // a worker thread waiting for the NameNode's lease recovery, bounded by the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while recovering the lease of " + partial, e);
      }
      closed = dfs.recoverLease(partial);
    }
  }

  /** How many chunks from the start of the partial file ({@code len} bytes) read back with the manifest's CRC32C. */
  private int matchingPrefix(FileManifest m, long len) throws IOException {
    return matchingPrefix(partial, m, (int) Math.min(m.chunkCount(), len / m.chunkSize()));
  }

  /** Whether the final file is there with the manifest's length and every chunk's CRC32C. */
  private boolean finalMatches(FileManifest m) throws IOException {
    FileStatus st;
    try {
      st = fs.getFileStatus(target);
    } catch (FileNotFoundException e) {
      return false;
    }
    return st.isFile() && st.getLen() == m.size() && matchingPrefix(target, m, m.chunkCount()) == m.chunkCount();
  }

  /** How many of the first {@code whole} chunks of {@code p} read back, in order, with the manifest's CRC32C. */
  private int matchingPrefix(Path p, FileManifest m, int whole) throws IOException {
    byte[] buf = new byte[m.chunkSize()];
    try (FSDataInputStream in = fs.open(p)) {
      for (int i = 0; i < whole; i++) {
        int n = m.chunkLength(i);
        in.readFully(buf, 0, n);
        CRC32C crc = new CRC32C();
        crc.update(buf, 0, n);
        if ((int) crc.getValue() != m.chunkCrcs()[i]) {
          return i;
        }
      }
    }
    return whole;
  }

  @Override
  public boolean alreadyComplete() {
    return alreadyComplete;
  }

  @Override
  public void skipComplete() throws IOException {
    try {
      if (fs.exists(partial)) {
        closeLease();
        fs.delete(partial, false);
      }
      Files.deleteIfExists(journalPath);
    } catch (ShardlineException e) {
      throw e;
    } catch (IOException e) {
      throw HdfsErrors.of(e, "removing the partial file of", at, ErrorCode.DESTINATION_ERROR);
    }
  }

  /**
   * Appends chunk {@code index} when it is next, then every held chunk that follows it. The bytes go
   * to the stream outside this sink's lock, so other chunks are taken, journalled and flushed
   * meanwhile; one thread appends at a time. A chunk with nothing missing before it (every earlier
   * chunk is being appended, waits for its turn or is held) waits for its turn without a copy: the
   * threads ahead of it are all moving. A chunk after a gap is held (a copy) while the buffer has
   * room, else waits for the gap to close.
   */
  @Override
  public void write(int index, ByteBuf data) throws IOException {
    FSDataOutputStream o;
    synchronized (this) {
      if (out == null) {
        throw new IllegalStateException("write before prepare");
      }
      if (index < next || waiting.containsKey(index) || claimed.get(index) || (appending && index == next)) {
        return; // sent again (a retried chunk): it is already in place, held or on its way
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HOLD_TIMEOUT_SECONDS);
      while (true) {
        checkFailed();
        if (!appending && index == next) {
          appending = true;
          o = out;
          break;
        }
        if (!gapBefore(index)) {
          claimed.set(index);
          try {
            await(deadline, index);
          } finally {
            claimed.clear(index);
          }
        } else if (held + data.readableBytes() <= MAX_HELD_BYTES || waiting.isEmpty()) {
          byte[] copy = new byte[data.readableBytes()];
          data.getBytes(data.readerIndex(), copy);
          waiting.put(index, copy);
          held += copy.length;
          return;
        } else {
          await(deadline, index);
        }
      }
    }
    try {
      data.getBytes(data.readerIndex(), o, data.readableBytes());
      while (true) {
        byte[] b;
        synchronized (this) {
          next++;
          notifyAll();
          if (waiting.isEmpty() || waiting.firstKey() != next) {
            appending = false;
            return;
          }
          b = waiting.pollFirstEntry().getValue();
          held -= b.length;
        }
        o.write(b);
      }
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        appending = false;
        if (failed == null) {
          failed = e instanceof IOException io ? io : new IOException(e);
        }
        notifyAll();
      }
      throw HdfsErrors.of(e instanceof IOException io ? io : new IOException(e), "appending to the partial file of",
          at, ErrorCode.DESTINATION_ERROR);
    }
  }

  /** Whether a chunk before {@code index} is in no thread's hands: not being appended, not waiting its turn, not held. */
  private boolean gapBefore(int index) {
    for (int i = appending ? next + 1 : next; i < index; i++) {
      if (!claimed.get(i) && !waiting.containsKey(i)) {
        return true;
      }
    }
    return false;
  }

  /** Waits (holding no lock but this sink's, released while waiting) until notified, bounded by {@code deadline}. */
  private void await(long deadline, int index) throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new ShardlineException(ErrorCode.DESTINATION_ERROR, at + ": chunk " + next + " was not appended within "
          + HOLD_TIMEOUT_SECONDS + " s while chunk " + index + " and " + waiting.size() + " held chunks waited for it");
    }
    try {
      TimeUnit.NANOSECONDS.timedWait(this, left);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while chunk " + index + " of " + at + " waited for chunk " + next, e);
    }
  }

  private void checkFailed() {
    if (failed != null) {
      throw HdfsErrors.of(failed, "appending to the partial file of", at, ErrorCode.DESTINATION_ERROR);
    }
  }

  /**
   * Records a verified chunk; the record is kept only once the chunk is in HDFS: a held chunk is
   * recorded now but counts for a resume only as part of the appended, contiguous prefix, which
   * {@link #prepare()} cuts at the partial file's length. Every {@link #FLUSH_EVERY} chunks, a
   * {@link #flushJournal()}.
   */
  @Override
  public void journal(int index, int crc) throws IOException {
    ResumeJournal j;
    boolean flush;
    synchronized (this) {
      j = journal;
      flush = ++sinceFlush >= FLUSH_EVERY;
      if (flush) {
        sinceFlush = 0;
      }
    }
    j.record(index, crc);
    if (flush) {
      flushJournal();
    }
  }

  /**
   * {@code hflush}es the appended bytes to the DataNodes, then persists the journal. Appends go on
   * meanwhile (the stream orders them; the wait for the DataNodes' acks holds no lock of the
   * stream's or of this sink's appenders), so the pipeline does not drain at every flush.
   */
  @Override
  public void flushJournal() throws IOException {
    synchronized (streamLock) {
      FSDataOutputStream o;
      ResumeJournal j;
      synchronized (this) {
        o = out;
        j = journal;
      }
      if (o != null) {
        try {
          o.hflush();
        } catch (IOException e) {
          throw HdfsErrors.of(e, "flushing the partial file of", at, ErrorCode.DESTINATION_ERROR);
        }
      }
      if (j != null) {
        j.flush();
      }
    }
  }

  @Override
  public void publish(int[] crcs, byte[] hashes) throws IOException {
    FileManifest m = manifest();
    checkRoot(crcs, hashes, this::discard, "; its partial file was removed");
    synchronized (streamLock) {
      FSDataOutputStream o;
      synchronized (this) {
        if (next != m.chunkCount() || !waiting.isEmpty() || appending || out == null) {
          throw new IllegalStateException(at + ": publish with " + next + " of " + m.chunkCount()
              + " chunks appended");
        }
        o = out;
        out = null;
      }
      try {
        o.hsync();
        o.close();
        if (fs.getFileStatus(partial).getLen() != m.size()) {
          throw new ShardlineException(ErrorCode.DESTINATION_ERROR, at + ": the partial file holds "
              + fs.getFileStatus(partial).getLen() + " bytes, not " + m.size());
        }
        if (!fs.rename(partial, target)) {
          throw new ShardlineException(ErrorCode.DESTINATION_ERROR, "publishing " + at + " failed: a file or folder"
              + " took its name meanwhile; the verified bytes stay in " + partial.toUri().getPath());
        }
        published = true;
        journal.close(true);
      } catch (ShardlineException e) {
        throw e;
      } catch (IOException e) {
        throw HdfsErrors.of(e, "publishing", at, ErrorCode.DESTINATION_ERROR);
      }
    }
  }

  /** Whether the file was published by this sink. */
  boolean published() {
    return published;
  }

  /**
   * Stops without publishing: the partial file (closed) and the journal stay for a re-run. Writes
   * waiting for their turn fail; one being appended ends with the stream's close.
   */
  @Override
  public void abort() {
    synchronized (streamLock) {
      FSDataOutputStream o;
      ResumeJournal j;
      synchronized (this) {
        waiting.clear();
        held = 0;
        o = out;
        out = null;
        j = journal;
        if (failed == null) {
          failed = new IOException("the transfer of this file was stopped");
        }
        notifyAll();
      }
      if (o != null) {
        try {
          o.hflush();
          o.close();
        } catch (IOException e) {
          // the partial file keeps what reached the DataNodes; prepare() cuts it at the journal
        }
      }
      if (j != null) {
        try {
          j.close(false);
        } catch (IOException e) {
          // a lost journal only means chunks are sent again
        }
      }
    }
  }

  /** Removes the partial file and the journal (a failed pull with {@code --cleanup}, a bad digest). */
  void discard() {
    abort();
    try {
      fs.delete(partial, false);
      Files.deleteIfExists(journalPath);
    } catch (IOException e) {
      // best effort: the message of the pull names what stays
    }
  }

  /** Whether a partial file of this sink is left in HDFS. */
  boolean hasPartial() {
    try {
      return !published && fs.exists(partial);
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public String target() {
    return at.toString();
  }

  @Override
  public String resumeHint() {
    return at.fileSystem() + partial.toUri().getPath() + " (run the same pull again to resume, or with --cleanup to"
        + " remove it)";
  }
}
