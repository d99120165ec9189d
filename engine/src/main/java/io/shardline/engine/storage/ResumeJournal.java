package io.shardline.engine.storage;

import io.shardline.engine.integrity.FileManifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * Append-only record of the chunks of a partial file that were verified and written: a header
 * naming the manifest (size, chunk size, root) followed by 8-byte records (chunk index, CRC32C).
 * Records are buffered and appended in batches; a crash loses at most the unflushed batch, and
 * on resume every journalled chunk is re-read and checked against the manifest anyway, so the
 * journal is a hint that is never trusted blindly. Thread-safe.
 */
public final class ResumeJournal implements AutoCloseable {
  private static final int MAGIC = 0x53484C4A; // "SHLJ"
  private static final int VERSION = 1;
  private static final int HEADER = 4 + 4 + 8 + 4 + 32;
  /** Records buffered before an append. */
  public static final int BATCH = 32;

  private final Path path;
  private final FileManifest manifest;
  private boolean keep;
  private FileChannel ch;
  private boolean closed;
  private final ByteBuffer pending = ByteBuffer.allocate(BATCH * 8);

  private ResumeJournal(Path path, FileManifest manifest, boolean keep) {
    this.path = path;
    this.manifest = manifest;
    this.keep = keep;
  }

  /** Chunks a journal at {@code path} claims for this manifest; empty if absent or for another. */
  public static BitSet read(Path path, FileManifest m) {
    BitSet done = new BitSet(m.chunkCount());
    records(path, m).forEach((index, crc) -> {
      if (m.chunkCrcs()[index] == crc) {
        done.set(index);
      }
    });
    return done;
  }

  /**
   * Every record of a journal at {@code path} written for a file of {@code m}'s size, chunk size
   * and root, whatever its CRCs (index to CRC; the last record of an index wins); empty if absent
   * or for another file. For sources whose manifest has no CRCs (an HTTPS file: the root names its
   * version, the CRCs are those of the bytes received), so the caller can check the partial file
   * against what it wrote.
   */
  public static Map<Integer, Integer> records(Path path, FileManifest m) {
    Map<Integer, Integer> out = new TreeMap<>();
    try {
      if (!Files.isRegularFile(path)) {
        return out;
      }
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path));
      if (b.remaining() < HEADER || !headerMatches(b, m)) {
        return out;
      }
      while (b.remaining() >= 8) {
        int index = b.getInt();
        int crc = b.getInt();
        if (index >= 0 && index < m.chunkCount()) {
          out.put(index, crc);
        }
      }
    } catch (IOException e) {
      out.clear();
    }
    return out;
  }

  private static boolean headerMatches(ByteBuffer b, FileManifest m) {
    if (b.getInt() != MAGIC || b.getInt() != VERSION || b.getLong() != m.size() || b.getInt() != m.chunkSize()) {
      return false;
    }
    byte[] root = new byte[32];
    b.get(root);
    return Arrays.equals(root, m.root());
  }

  /**
   * A journal for appending. With {@code keep} the existing records stay (resume); otherwise the
   * file is started afresh with a header for {@code m}. The file is only created at the first
   * flush, so a file received in one go (one chunk) never has a journal at all.
   */
  public static ResumeJournal open(Path path, FileManifest m, boolean keep) {
    return new ResumeJournal(path, m, keep && Files.isRegularFile(path));
  }

  /** Whether the journal file exists (it is created at the first flush, or was kept). */
  public synchronized boolean created() {
    return ch != null || keep;
  }

  private void ensureOpen() throws IOException {
    if (ch != null) {
      return;
    }
    if (keep) {
      ch = FileChannel.open(path, StandardOpenOption.WRITE);
      // Drop a torn last record (crash or full disk mid-append): appending after it would
      // misalign, and so lose, every record written from now on.
      long size = ch.size();
      long whole = size < HEADER ? size : HEADER + (size - HEADER) / 8 * 8;
      ch.truncate(whole);
      ch.position(whole);
      return;
    }
    ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    h.putInt(MAGIC).putInt(VERSION).putLong(manifest.size()).putInt(manifest.chunkSize()).put(manifest.root()).flip();
    while (h.hasRemaining()) {
      ch.write(h);
    }
    keep = true;
  }

  /** Records a verified chunk; appends when a batch is full. */
  public synchronized void record(int index, int crc) throws IOException {
    pending.putInt(index).putInt(crc);
    if (!pending.hasRemaining()) {
      flush();
    }
  }

  /** Appends buffered records (no fsync: the records are re-verified on resume). */
  public synchronized void flush() throws IOException {
    if (pending.position() == 0 || closed) {
      return;
    }
    ensureOpen();
    pending.flip();
    while (pending.hasRemaining()) {
      ch.write(pending);
    }
    pending.clear();
  }

  /** Flushes and closes; with {@code discard} (the file was published) nothing more is written. */
  public synchronized void close(boolean discard) throws IOException {
    if (discard) {
      pending.clear();
    }
    try {
      flush();
    } finally {
      closed = true;
      if (ch != null) {
        ch.close();
      }
    }
  }

  @Override
  public void close() throws IOException {
    close(false);
  }
}
