package io.shardline.engine.transfer;

import io.shardline.engine.codec.CodecId;
import io.netty.buffer.ByteBuf;
import io.shardline.engine.codec.CodecSet;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.integrity.Sha256;
import io.shardline.engine.lane.ChunkTarget;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.error.ShardlineException;
import java.util.BitSet;
import java.util.function.Consumer;

/**
 * One file of a pull: decodes each arriving chunk, checks it (CRC32C of the decoded bytes against
 * the frame's and the manifest's, then their SHA-256 against the manifest's: v6), writes it into its {@link ChunkSink}, journals it, and publishes the file
 * when the last chunk is in: the verifying stage in front of a sink (Okio's {@code HashingSink}). Called from disk worker threads; the small shared state is guarded
 * by this object's lock.
 */
final class FileTransfer implements ChunkTarget {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FileTransfer.class);
  private final ChunkSink partial;
  /** The listed manifest; for a streamed one (v4), the complete manifest once {@link #settle} adopted it. */
  private volatile FileManifest manifest;
  private final TransferCounters counters;
  private final Consumer<FileTransfer> onFinished;
  private final CodecSet codecs;
  /** For a streamed file: fetches its complete manifest once its chunks are in, and settles it. */
  private final Consumer<FileTransfer> settler;
  private final int[] crcs;
  /**
   * The SHA-256 of each chunk written: computed here for the chunks in {@link #hashed} (copied or
   * rebuilt from local bytes, and every received one with {@code verifyHashes}); for the others
   * (received and checked by CRC32C, or resumed) the manifest's, filled in at the publish.
   */
  private final byte[] hashes;
  private final BitSet hashed;
  /** Whether every received chunk is hashed and checked against the manifest's SHA-256 too. */
  private final boolean verifyHashes;
  private final BitSet done;
  private int remaining;
  private volatile ShardlineException failure;
  private boolean finished;

  /**
   * @param settler called (once, on a disk worker) when every chunk of a streamed file is in: it
   *     fetches the file's complete manifest and hands it to {@link #settle}, or fails the file
   */
  FileTransfer(ChunkSink partial, BitSet alreadyDone, TransferCounters counters, CodecSet codecs,
      Consumer<FileTransfer> onFinished, Consumer<FileTransfer> settler) {
    this(partial, alreadyDone, counters, codecs, onFinished, settler, true);
  }

  /**
   * @param verifyHashes hash every received chunk and check it against the manifest's SHA-256
   *     (else received chunks are checked by CRC32C, as before v6, and chunks reused from local
   *     bytes by SHA-256 always)
   */
  FileTransfer(ChunkSink partial, BitSet alreadyDone, TransferCounters counters, CodecSet codecs,
      Consumer<FileTransfer> onFinished, Consumer<FileTransfer> settler, boolean verifyHashes) {
    this.verifyHashes = verifyHashes;
    this.codecs = codecs;
    this.settler = settler;
    this.partial = partial;
    this.manifest = partial.manifest();
    this.counters = counters;
    this.onFinished = onFinished;
    this.crcs = new int[manifest.chunkCount()];
    this.hashes = new byte[manifest.chunkHashes().length];
    this.hashed = new BitSet(manifest.chunkCount());
    this.done = (BitSet) alreadyDone.clone();
    for (int i = done.nextSetBit(0); i >= 0; i = done.nextSetBit(i + 1)) {
      crcs[i] = manifest.chunkCrcs()[i];
    }
    this.remaining = manifest.chunkCount() - done.cardinality();
  }

  @Override
  public FileManifest manifest() {
    return manifest;
  }

  @Override
  public boolean failed() {
    return failure != null;
  }

  ShardlineException failure() {
    return failure;
  }

  int remainingChunks() {
    synchronized (this) {
      return remaining;
    }
  }

  BitSet missing() {
    synchronized (this) {
      BitSet m = new BitSet(manifest.chunkCount());
      m.set(0, manifest.chunkCount());
      m.andNot(done);
      return m;
    }
  }

  @Override
  public void accept(int index, CodecId codec, int rawLength, int wireCrc, ByteBuf payload) throws Exception {
    ByteBuf raw = null;
    int crc;
    byte[] hash;
    try {
      if (failed()) {
        return;
      }
      if (rawLength != manifest.chunkLength(index)) {
        throw new ShardlineException(ErrorCode.MALFORMED_FRAME, manifest.name() + " chunk " + index + ": "
            + rawLength + " raw bytes, expected " + manifest.chunkLength(index));
      }
      raw = codecs.get(codec).decodeOwned(payload.retain(), rawLength, FrameSocket.ALLOC); // identity: no copy
      crc = Crc32c.of(raw);
      if (crc != wireCrc) {
        throw new ShardlineException(ErrorCode.CHECKSUM_MISMATCH, manifest.name() + " chunk " + index
            + ": CRC32C of the received bytes " + hex(crc) + " != sent " + hex(wireCrc));
      }
      if (!manifest.streamed() && crc != manifest.chunkCrcs()[index]) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, manifest.name() + " changed on the source since"
            + " its manifest was made (chunk " + index + "); pull again for the new version");
      }
      hash = verifyHashes ? Sha256.of(raw) : null;
      if (hash != null && !manifest.streamed() && !manifest.hashMatches(index, hash)) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, manifest.name() + " chunk " + index + ": its CRC32C"
            + " matches the manifest but its SHA-256 " + RootDigest.hex(hash) + " does not; nothing of it was written");
      }
      try {
        partial.write(index, raw);
        partial.journal(index, crc);
      } catch (java.io.IOException e) {
        throw writeFailed(e);
      }
      counters.bytesDone.add(rawLength);
      counters.chunks.increment();
    } finally {
      payload.release();
      if (raw != null) {
        raw.release();
      }
    }
    recorded(index, crc, hash);
  }

  /**
   * A chunk a delta pull assembled from bytes copied from an older local version ({@code copied}
   * of them) and ranges fetched (the rest): checked against the manifest's CRC32C and SHA-256 as
   * any received chunk, then written and journalled. False, with nothing written, when it does not
   * match (a segment-hash false match, or a base that changed): the chunk is then fetched whole.
   * The caller keeps {@code raw}. Blocking (disk worker).
   */
  boolean acceptAssembled(int index, ByteBuf raw, long copied) throws java.io.IOException {
    FileManifest m = manifest;
    if (failed() || m.streamed() || raw.readableBytes() != m.chunkLength(index)) {
      return false;
    }
    int crc = Crc32c.of(raw);
    if (crc != m.chunkCrcs()[index]) {
      return false;
    }
    byte[] hash = Sha256.of(raw);
    if (!m.hashMatches(index, hash)) {
      return false;
    }
    try {
      partial.write(index, raw);
      partial.journal(index, crc);
    } catch (java.io.IOException e) {
      throw writeFailed(e);
    }
    counters.bytesDone.add(raw.readableBytes() - copied);
    counters.reusedBytes.add(copied);
    counters.bytesResumed.add(copied);
    counters.patchedChunks.increment();
    recorded(index, crc, hash);
    return true;
  }

  /** Chunk {@code index} is written and journalled: the file publishes (or settles) once all are. */
  private void recorded(int index, int crc, byte[] hash) {
    boolean complete;
    synchronized (this) {
      if (done.get(index)) {
        return;
      }
      done.set(index);
      crcs[index] = crc; // the manifest's, or for a streamed file the one checked against the frame's
      if (hash != null) {
        System.arraycopy(hash, 0, hashes, index * Sha256.BYTES, Sha256.BYTES);
        hashed.set(index);
      }
      complete = --remaining == 0;
    }
    if (complete) {
      if (manifest.streamed()) {
        settler.accept(this);
      } else {
        publish();
      }
    }
  }

  /**
   * A streamed file's complete manifest arrived: every chunk written must have its CRC, and it must
   * be the version that was listed (path, size, modification time, chunking); then the sink adopts
   * it and the file is published against its root. Otherwise {@code SOURCE_CHANGED}: the file
   * changed on the source while it was pulled, and nothing is published. Blocking (disk worker).
   */
  void settle(FileManifest full) {
    FileManifest listed = manifest;
    try {
      if (full.streamed() || !listed.sameVersion(full)) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, listed.name() + " changed on the source while it was"
            + " pulled (its complete manifest is for another version); pull again for the new version");
      }
      int[] got;
      byte[] gotHashes;
      BitSet gotHashed;
      synchronized (this) {
        got = crcs.clone();
        gotHashes = hashes.clone();
        gotHashed = (BitSet) hashed.clone();
      }
      for (int i = 0; i < got.length; i++) {
        if (got[i] != full.chunkCrcs()[i]) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, listed.name() + " changed on the source while it"
              + " was pulled (chunk " + i + ": received CRC32C " + hex(got[i]) + ", its manifest says "
              + hex(full.chunkCrcs()[i]) + "); pull again for the new version");
        }
        if (gotHashed.get(i)
            && !full.hashMatches(i, java.util.Arrays.copyOfRange(gotHashes, i * Sha256.BYTES, (i + 1) * Sha256.BYTES))) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, listed.name() + " changed on the source while it"
              + " was pulled (chunk " + i + ": its SHA-256 is not its manifest's); pull again for the new version");
        }
      }
      FileManifest named = full.withName(listed.name());
      partial.adopt(named);
      manifest = named;
    } catch (ShardlineException e) {
      fail(e);
      return;
    } catch (RuntimeException e) {
      fail(new ShardlineException(ErrorCode.INTERNAL, "settling " + listed.name() + ": " + e, e));
      return;
    }
    publish();
  }

  /** Publishes once every chunk is in (also for files with no chunks to fetch). */
  void publish() {
    try {
      long t0 = System.nanoTime();
      int[] c;
      byte[] h;
      FileManifest m = manifest;
      synchronized (this) {
        c = crcs.clone();
        h = hashes.clone();
        for (int i = hashed.nextClearBit(0); i < c.length; i = hashed.nextClearBit(i + 1)) {
          System.arraycopy(m.chunkHashes(), i * Sha256.BYTES, h, i * Sha256.BYTES, Sha256.BYTES); // checked by CRC32C
        }
      }
      partial.publish(c, h);
      if (LOG.isDebugEnabled()) {
        LOG.debug("published {} ({} ms for fsync and rename)", manifest.name(), (System.nanoTime() - t0) / 1_000_000);
      }
      counters.filesDone.increment();
      finish();
    } catch (ShardlineException e) {
      fail(e);
    } catch (java.io.IOException | RuntimeException e) {
      fail(new ShardlineException(ErrorCode.DESTINATION_ERROR, "cannot publish " + partial.target() + ": " + e.getMessage(), e));
    }
  }

  @Override
  public void fail(ShardlineException error) {
    synchronized (this) {
      if (failure != null || finished) {
        return;
      }
      failure = error;
    }
    counters.lastError.set(error.getMessage());
    partial.abort();
    finish();
  }

  private void finish() {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
    }
    onFinished.accept(this);
  }

  /**
   * A failed write (a full disk, an I/O error): the chunks verified so far are journalled first,
   * so a re-run resumes them, and the error says where the partial file stays and how to free it.
   */
  private ShardlineException writeFailed(java.io.IOException e) {
    try {
      partial.flushJournal();
    } catch (java.io.IOException | RuntimeException j) {
      // no room for the journal either: a re-run reads the partial file back instead
      LOG.debug("cannot flush the resume journal of {}: {}", manifest.name(), j.toString());
    }
    String hint = partial.resumeHint();
    return new ShardlineException(ErrorCode.DESTINATION_ERROR, "cannot write " + partial.target() + ": "
        + e.getMessage() + (hint.isEmpty() ? "" : "; " + hint), e);
  }

  ChunkSink sink() {
    return partial;
  }

  private static String hex(int crc) {
    return String.format("%08x", crc);
  }
}
