package io.shardline.engine.storage;

import com.sun.nio.file.ExtendedOpenOption;
import io.netty.buffer.ByteBuf;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.Map;

/**
 * The local-disk {@link ChunkSink}. One file being received: a partial file under {@code DEST/.shardline/}, written with positional
 * writes as chunks arrive in any order, plus its {@link ResumeJournal}. Published by fsync,
 * digest check and atomic rename, so the final path only ever holds a complete, verified file.
 *
 * <p>Chunks at 4 KiB-aligned offsets and lengths are written with O_DIRECT when the filesystem
 * allows it: no page-cache copy, and the fsync before publishing has little left to flush. The
 * file is opened at its first write and closed when published, so a tree of many files holds
 * only the files with chunks in flight open. Blocking I/O: call from worker threads;
 * {@link #write} may run concurrently for different chunks.
 */
public final class LocalChunkSink extends AbstractChunkSink {
  /** Folder under the destination that holds partial files and journals. */
  public static final String STATE_DIR = ".shardline";
  private static final int ALIGN = 4096;

  private final Path finalPath;
  private final Path partPath;
  private final Path journalPath;
  private final boolean directIo;
  private final Directories dirs;
  private boolean keepExisting;
  private boolean alreadyComplete;
  private boolean closed;
  private FileChannel ch;
  private FileChannel direct;
  private ResumeJournal journal;

  private LocalChunkSink(FileManifest m, Path finalPath, Path partPath, Path journalPath, boolean directIo,
      Directories dirs) {
    super(m);
    this.finalPath = finalPath;
    this.partPath = partPath;
    this.journalPath = journalPath;
    this.directIo = directIo;
    this.dirs = dirs;
  }

  /** Where {@code m} goes under {@code destRoot}; validates the name (a server is not trusted). */
  public static LocalChunkSink of(Path destRoot, FileManifest m) {
    return of(destRoot, m, true, new Directories());
  }

  public static LocalChunkSink of(Path destRoot, FileManifest m, boolean directIo) {
    return of(destRoot, m, directIo, new Directories());
  }

  /**
   * @param directIo write aligned chunks of large files with O_DIRECT when the filesystem allows
   * @param dirs directories known to exist, shared by the files of one transfer
   */
  public static LocalChunkSink of(Path destRoot, FileManifest m, boolean directIo, Directories dirs) {
    if (m.name().isEmpty()) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "server sent an empty file name");
    }
    Path finalPath = SafePath.under(destRoot, m.name());
    if (m.name().equals(STATE_DIR) || m.name().startsWith(STATE_DIR + "/")) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "file name '" + m.name() + "' collides with " + STATE_DIR);
    }
    Path state = destRoot.toAbsolutePath().normalize().resolve(STATE_DIR);
    // 256 subfolders by hash prefix: creating thousands of files in one folder from several
    // threads contends on that folder's lock.
    String id = RootDigest.hex(sha(m.name())).substring(0, 40);
    Path bucket = state.resolve(id.substring(0, 2));
    return new LocalChunkSink(m, finalPath, bucket.resolve(id + ".part"), bucket.resolve(id + ".journal"), directIo, dirs);
  }

  private static byte[] sha(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Path finalPath() {
    return finalPath;
  }

  public Path partPath() {
    return partPath;
  }

  /**
   * Checks what is already here. Returns the chunks that need no transfer: all of them when the
   * final file already matches the manifest ({@link #alreadyComplete()}), else the journalled
   * chunks of the partial file that still read back with the right CRC. Opens nothing.
   */
  @Override
  public Constraints constraints() {
    return Constraints.LOCAL_FILE;
  }

  @Override
  public String target() {
    return finalPath.toString();
  }

  @Override
  public String resumeHint() {
    Path state = partPath.getParent().getParent();
    return "the chunks verified so far are kept in " + state + " and a re-run resumes them"
        + " (delete " + state + " to free their space)";
  }

  /** The journal's records for this file (see {@link ResumeJournal#records}); blocking. */
  public Map<Integer, Integer> journalled() {
    return ResumeJournal.records(journalPath, manifest());
  }

  /** Drops this file's partial state (partial file and journal): its bytes are known to be wrong. Blocking. */
  public void discard() throws IOException {
    abort();
    Files.deleteIfExists(journalPath);
    Files.deleteIfExists(partPath);
  }

  @Override
  public boolean hasPartialState() {
    return Files.exists(partPath) || Files.exists(journalPath);
  }

  @Override
  public BitSet prepare() throws IOException {
    if (manifest().streamed()) {
      // No CRCs to check what is here against: start afresh. (The pull lists a file with partial
      // state again for its complete manifest before preparing it, see hasPartialState(); a journal
      // written under a streamed manifest names no root, so that resume reads the partial file back.)
      Files.deleteIfExists(journalPath);
      Files.deleteIfExists(partPath);
      return new BitSet();
    }
    if (Files.isRegularFile(finalPath) && Files.size(finalPath) == manifest().size()) {
      // the published file stands for the new version only if every chunk's SHA-256 is the manifest's (v6)
      BitSet ok = ChunkSums.matchingStrongly(finalPath, manifest());
      if (ok.cardinality() == manifest().chunkCount()) {
        alreadyComplete = true;
        return ok;
      }
    }
    if (dirs.freshStateDir()) {
      return new BitSet(); // no .shardline folder before this transfer: nothing to resume
    }
    BitSet claimed = ResumeJournal.read(journalPath, manifest());
    BitSet ok;
    if (!Files.isRegularFile(partPath)) {
      ok = new BitSet();
    } else if (!claimed.isEmpty()) {
      ok = ChunkSums.matching(partPath, manifest(), claimed);
    } else if (manifest().chunkCount() > 1 && Files.size(partPath) == manifest().size()) {
      // A partial file without a (readable) journal: the disk filled up before the journal could
      // be created, or the process died before its first flush. Its chunks are read back and
      // checked against the manifest, except those whose CRC is that of zeros: a chunk never
      // written reads as zeros (the file is preallocated sparse), so only chunks that really
      // hold written bytes can match.
      ok = ChunkSums.matching(partPath, manifest(), notZeros());
    } else {
      ok = new BitSet();
    }
    keepExisting = !ok.isEmpty();
    if (!keepExisting) {
      Files.deleteIfExists(journalPath);
      Files.deleteIfExists(partPath);
    } else if (ok.cardinality() != claimed.cardinality()) {
      // Some journalled chunks did not read back: rewrite the journal with the good ones only.
      try (ResumeJournal j = ResumeJournal.open(journalPath, manifest(), false)) {
        for (int i = ok.nextSetBit(0); i >= 0; i = ok.nextSetBit(i + 1)) {
          j.record(i, manifest().chunkCrcs()[i]);
        }
      }
    }
    return ok;
  }

  @Override
  public Path previousVersion() {
    return !alreadyComplete && Files.isRegularFile(finalPath, LinkOption.NOFOLLOW_LINKS) ? finalPath : null;
  }

  /** The chunks whose manifest CRC differs from the CRC of as many zero bytes. */
  private BitSet notZeros() {
    BitSet out = new BitSet(manifest().chunkCount());
    ByteBuffer zeros = ByteBuffer.allocate(manifest().chunkSize());
    int full = manifest().chunkCount() == 0 ? 0 : Crc32c.of(zeros.duplicate());
    for (int i = 0; i < manifest().chunkCount(); i++) {
      int len = manifest().chunkLength(i);
      int zeroCrc = len == manifest().chunkSize() ? full
          : Crc32c.of(zeros.duplicate().limit(len));
      if (manifest().chunkCrcs()[i] != zeroCrc) {
        out.set(i);
      }
    }
    return out;
  }

  /** True when {@link #prepare} found the final file already complete and verified. */
  @Override
  public boolean alreadyComplete() {
    return alreadyComplete;
  }

  private synchronized void ensureOpen() throws IOException {
    if (ch != null) {
      return;
    }
    if (closed) {
      throw new IOException(partPath + " is closed");
    }
    dirs.ensure(partPath.getParent());
    ch = FileChannel.open(partPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    boolean large = manifest().chunkCount() > 1;
    if (large && ch.size() != manifest().size()) {
      // Sparse preallocation: the final size up front, so positional writes never extend the
      // file. (A one-chunk file is written in one go and needs none.)
      try (RandomAccessFile raf = new RandomAccessFile(partPath.toFile(), "rw")) {
        raf.setLength(manifest().size());
      }
    }
    if (directIo && large) {
      try {
        direct = FileChannel.open(partPath, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
      } catch (IOException | UnsupportedOperationException e) {
        direct = null; // this filesystem has no O_DIRECT: buffered writes only
      }
    }
    if (large) {
      journal = ResumeJournal.open(journalPath, manifest(), keepExisting);
    } // a one-chunk file needs no journal: it is either complete and published, or fetched again
  }

  /** Writes chunk {@code index} (its bytes are the readable bytes of {@code data}). */
  @Override
  public void write(int index, ByteBuf data) throws IOException {
    long pos = manifest().chunkOffset(index);
    int len = manifest().chunkLength(index);
    if (data.readableBytes() != len) {
      throw new IllegalArgumentException("chunk " + index + " has " + data.readableBytes() + " bytes");
    }
    ensureOpen();
    ByteBuffer nio = data.nioBuffer();
    boolean aligned = pos % ALIGN == 0 && len % ALIGN == 0 && data.hasMemoryAddress()
        && (data.memoryAddress() + data.readerIndex()) % ALIGN == 0;
    FileChannel target = aligned && direct != null ? direct : ch;
    while (nio.hasRemaining()) {
      pos += target.write(nio, pos);
    }
  }

  /** Records a written, verified chunk in the journal (none for a one-chunk file). */
  @Override
  public void journal(int index, int crc) throws IOException {
    ensureOpen();
    if (journal != null) {
      journal.record(index, crc);
    }
  }

  /**
   * Appends the journal's buffered records (the chunks verified so far); a no-op once closed.
   * Called periodically, and when a write fails (a full disk), so a re-run resumes those chunks.
   */
  @Override
  public synchronized void flushJournal() throws IOException {
    if (journal != null && !closed) {
      journal.flush();
    }
  }

  /**
   * Publishes: checks the root computed from {@code crcs} (the CRCs of the bytes written) against
   * the manifest, fsyncs, renames atomically into place, drops the journal (a one-chunk file has
   * none). The caller fsyncs the parent directory (once per directory, not once per file).
   */
  @Override
  public void publish(int[] crcs, byte[] hashes) throws IOException {
    checkRoot(crcs, hashes, () -> {}, "");
    ensureOpen();
    synchronized (this) {
      ch.force(true);
      closeChannels(true);
    }
    try {
      dirs.ensure(finalPath.getParent());
      Files.move(partPath, finalPath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      keepForResume(crcs); // the partial file is complete and verified: a re-run only publishes it
      if (e instanceof AtomicMoveNotSupportedException) {
        throw new ShardlineException(ErrorCode.DESTINATION_ERROR,
            "cannot rename atomically into " + finalPath.getParent() + " (different filesystem?)", e);
      }
      throw e;
    }
    if (keepExisting || journal != null && journal.created()) {
      Files.deleteIfExists(journalPath);
    }
  }

  /** Journals every chunk, so a publish that failed (destination read-only, full) is retried cheaply. */
  private void keepForResume(int[] crcs) {
    try (ResumeJournal j = ResumeJournal.open(journalPath, manifest(), false)) {
      for (int i = 0; i < crcs.length; i++) {
        j.record(i, crcs[i]);
      }
    } catch (IOException ignored) {
      // then the re-run fetches the file again: slower, never wrong
    }
  }

  /** Removes leftovers of an already complete final file. */
  @Override
  public void skipComplete() throws IOException {
    Files.deleteIfExists(journalPath);
    Files.deleteIfExists(partPath);
  }

  /** Closes the partial file and journal, keeping them for a later resume. */
  @Override
  public synchronized void abort() {
    try {
      closeChannels(false);
    } catch (IOException ignored) {
      // nothing was published from this file; a lost journal batch means re-fetching those chunks
    }
  }

  private void closeChannels(boolean published) throws IOException {
    closed = true;
    try {
      if (journal != null) {
        journal.close(published);
      }
    } finally {
      try {
        if (direct != null) {
          direct.close();
        }
      } finally {
        if (ch != null) {
          ch.close();
        }
      }
    }
  }

  /** fsyncs a directory so renames into it survive a crash. */
  public static void fsyncDir(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException ignored) {
      // some filesystems do not allow fsync on directories; the rename itself is atomic
    }
  }
}
