package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.wire.ErrorCode;
import io.shardline.engine.wire.ShardlineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;

/**
 * One file being received: a partial file under {@code DEST/.shardline/}, written with positional
 * writes as chunks arrive in any order, plus its {@link ResumeJournal}. Published by fsync,
 * digest check and atomic rename, so the final path only ever holds a complete, verified file.
 * Blocking I/O: call from worker threads. {@link #write} may run concurrently for different chunks.
 */
public final class PartialFile implements AutoCloseable {
  /** Folder under the destination that holds partial files and journals. */
  public static final String STATE_DIR = ".shardline";

  private final FileManifest manifest;
  private final Path finalPath;
  private final Path partPath;
  private final Path journalPath;
  private FileChannel ch;
  private ResumeJournal journal;
  private boolean alreadyComplete;

  private PartialFile(FileManifest m, Path finalPath, Path partPath, Path journalPath) {
    this.manifest = m;
    this.finalPath = finalPath;
    this.partPath = partPath;
    this.journalPath = journalPath;
  }

  /** Where {@code m} goes under {@code destRoot}; validates the name (a server is not trusted). */
  public static PartialFile of(Path destRoot, FileManifest m) {
    Path finalPath = SafePath.under(destRoot, m.name());
    if (m.name().isEmpty()) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "server sent an empty file name");
    }
    if (m.name().equals(STATE_DIR) || m.name().startsWith(STATE_DIR + "/")) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "file name '" + m.name() + "' collides with " + STATE_DIR);
    }
    Path state = destRoot.toAbsolutePath().normalize().resolve(STATE_DIR);
    String id = RootDigest.hex(sha(m.name())).substring(0, 40);
    return new PartialFile(m, finalPath, state.resolve(id + ".part"), state.resolve(id + ".journal"));
  }

  private static byte[] sha(String s) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public FileManifest manifest() {
    return manifest;
  }

  public Path finalPath() {
    return finalPath;
  }

  public Path partPath() {
    return partPath;
  }

  /**
   * Checks what is already here and opens the partial file for writing. Returns the chunks that
   * need no transfer: all of them when the final file already matches the manifest, else the
   * journalled chunks of the partial file that still read back with the right CRC.
   */
  public BitSet prepare() throws IOException {
    if (Files.isRegularFile(finalPath) && Files.size(finalPath) == manifest.size()) {
      BitSet ok = ChunkSums.matching(finalPath, manifest, null);
      if (ok.cardinality() == manifest.chunkCount()) {
        alreadyComplete = true;
        return ok;
      }
    }
    Files.createDirectories(partPath.getParent());
    BitSet claimed = ResumeJournal.read(journalPath, manifest);
    BitSet ok = claimed.isEmpty() || !Files.isRegularFile(partPath)
        ? new BitSet() : ChunkSums.matching(partPath, manifest, claimed);
    boolean keep = !ok.isEmpty();
    ch = FileChannel.open(partPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (!keep) {
      ch.truncate(0);
    }
    if (ch.size() != manifest.size()) {
      // Sparse preallocation: the final size up front, so positional writes never extend the file.
      try (var raf = new java.io.RandomAccessFile(partPath.toFile(), "rw")) {
        raf.setLength(manifest.size());
      }
    }
    journal = ResumeJournal.open(journalPath, manifest, keep);
    if (keep && ok.cardinality() != claimed.cardinality()) {
      // Some journalled chunks did not read back: rewrite the journal with the good ones only.
      journal.close();
      journal = ResumeJournal.open(journalPath, manifest, false);
      for (int i = ok.nextSetBit(0); i >= 0; i = ok.nextSetBit(i + 1)) {
        journal.record(i, manifest.chunkCrcs()[i]);
      }
      journal.flush();
    }
    return ok;
  }

  /** True when {@link #prepare} found the final file already complete and verified. */
  public boolean alreadyComplete() {
    return alreadyComplete;
  }

  /** Writes chunk {@code index} (its bytes are the readable bytes of {@code data}). */
  public void write(int index, ByteBuf data) throws IOException {
    long pos = manifest.chunkOffset(index);
    if (data.readableBytes() != manifest.chunkLength(index)) {
      throw new IllegalArgumentException("chunk " + index + " has " + data.readableBytes() + " bytes");
    }
    ByteBuffer nio = data.nioBuffer();
    while (nio.hasRemaining()) {
      pos += ch.write(nio, pos);
    }
  }

  /** Records a written, verified chunk in the journal. */
  public void journal(int index, int crc) throws IOException {
    journal.record(index, crc);
  }

  public void flushJournal() throws IOException {
    ResumeJournal j = journal;
    if (j != null) {
      j.flush();
    }
  }

  /**
   * Publishes: checks the root computed from {@code crcs} (the CRCs of the bytes written) against
   * the manifest, fsyncs, renames atomically into place, fsyncs the directory, drops the journal.
   */
  public void publish(int[] crcs) throws IOException {
    byte[] root = RootDigest.of(manifest.size(), manifest.chunkSize(), crcs);
    if (!Arrays.equals(root, manifest.root())) {
      throw new ShardlineException(ErrorCode.DIGEST_MISMATCH, manifest.name() + ": digest "
          + RootDigest.hex(root) + " does not match the source's " + manifest.rootHex());
    }
    ch.force(true);
    ch.close();
    journal.close();
    Path parent = finalPath.getParent();
    Files.createDirectories(parent);
    try {
      Files.move(partPath, finalPath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new ShardlineException(ErrorCode.DESTINATION_ERROR,
          "cannot rename atomically into " + parent + " (different filesystem?)", e);
    }
    fsyncDir(parent);
    Files.deleteIfExists(journalPath);
  }

  /** Marks an already complete final file as done (nothing to write). */
  public void skipComplete() throws IOException {
    Files.deleteIfExists(journalPath);
    Files.deleteIfExists(partPath);
  }

  /** Closes the partial file and journal, keeping them for a later resume. */
  @Override
  public void close() {
    try {
      if (journal != null) {
        journal.close();
      }
    } catch (IOException ignored) {
      // the journal is only a hint; a lost batch means re-fetching those chunks
    }
    try {
      if (ch != null) {
        ch.close();
      }
    } catch (IOException ignored) {
      // nothing was published from this file
    }
  }

  private static void fsyncDir(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException ignored) {
      // some filesystems do not allow fsync on directories; the rename itself is atomic
    }
  }
}
