package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.integrity.FileManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * Where one received file goes: chunks written in any order, journalled as they are verified,
 * published atomically once the file's root digest checks out. Modelled on Okio's {@code Sink};
 * the verifying stage ({@code transfer.FileTransfer}, like Okio's {@code HashingSink}) sits in
 * front of it, so a sink only stores bytes it is handed. A local folder ({@link LocalChunkSink})
 * is the first; {@link #constraints()} says what an object store or HDFS sink cannot do, so the
 * transfer can adapt. Blocking I/O: call from worker threads; {@link #write} may run
 * concurrently for different chunks.
 */
public interface ChunkSink extends AutoCloseable {
  /**
   * What a sink can do. {@code positionalWrites}: chunks may be written in any order at their
   * offsets (a local file); an object store takes parts in order or as numbered parts of at
   * least {@code minPartBytes} (S3: 5 MiB, the last part excepted). {@code resumable}: chunks
   * written before a crash or cancel are found again by {@link #prepare()}.
   */
  record Constraints(boolean positionalWrites, long minPartBytes, boolean resumable) {
    /** A local file: any order, any size, resumable. */
    public static final Constraints LOCAL_FILE = new Constraints(true, 1, true);
  }

  /** Opens sinks for the files of one transfer into one destination. */
  interface Factory {
    /**
     * Before any file: checks the destination can take files (and, locally, locks it against a
     * second transfer). Exists so a destination that cannot be written fails before a byte moves.
     */
    void begin() throws IOException;

    /** The sink for {@code m}; validates its name (a server is not trusted). Opens nothing yet. */
    ChunkSink open(FileManifest m) throws IOException;

    /**
     * After the transfer, with the sinks that published: makes their publishes durable (locally,
     * an fsync per folder) and releases what {@link #begin()} took. Called once, also on failure
     * and also when {@link #begin()} was never called (the manifest could not be fetched).
     */
    void end(List<ChunkSink> published) throws IOException;

    /**
     * The smallest chunk this destination takes, in bytes: an object store's minimum part size
     * (S3: 5 MiB; the last part of a file may be shorter). A pull lists with a chunk size of at
     * least this ({@code transfer.PullOptions#chunkSizeFor}). Exists because the chunk size is
     * chosen before any sink is opened. By default 1: any size.
     */
    default int minChunkBytes() {
      return 1;
    }
  }

  FileManifest manifest();

  /**
   * For a file listed streamed (v4): its complete manifest, fetched once its chunks were written
   * and checked against them by the caller; it must be the same file at the same version and
   * chunking. {@link #publish} checks the root against it from now on.
   */
  void adopt(FileManifest complete);

  Constraints constraints();

  /**
   * What is already there and verified, as chunk indexes: all of them when the published file
   * already matches the manifest ({@link #alreadyComplete()}), else the resumable chunks that
   * still read back with their CRC. Exists so a re-run moves only what is missing. With a
   * streamed manifest there is nothing to check against: nothing is reused.
   */
  BitSet prepare() throws IOException;

  /**
   * Whether chunks of an earlier run of this file are kept here (locally: its partial file or
   * journal). A file listed streamed is then listed again for its complete manifest before
   * {@link #prepare()}, so those chunks can be checked and kept. Blocking; opens nothing.
   */
  default boolean hasPartialState() throws IOException {
    return false;
  }

  /** True when {@link #prepare()} found the published file complete: nothing to write or publish. */
  boolean alreadyComplete();

  /**
   * The version of this file already published here that {@link #prepare()} found different from
   * the manifest (an older checkpoint under the same name), as a local file a delta pull may copy
   * matching chunks from, or null (none, not a local destination, or already complete). It stays
   * as it is until the new version replaces it at {@link #publish}.
   */
  default Path previousVersion() {
    return null;
  }

  /** Removes leftovers (partial state) of a file found complete. */
  void skipComplete() throws IOException;

  /** Stores chunk {@code index}: the readable bytes of {@code data} (verified by the caller; not released). */
  void write(int index, ByteBuf data) throws IOException;

  /** Records a written, verified chunk so a later {@link #prepare()} finds it (batched). */
  void journal(int index, int crc) throws IOException;

  /** Persists the journal's batched records now (periodically, and when a write failed). */
  void flushJournal() throws IOException;

  /**
   * Publishes atomically: checks the root digest computed from {@code hashes} (the SHA-256 of the
   * bytes written, 32 bytes a chunk) and every one of {@code crcs} against the manifest
   * ({@code DIGEST_MISMATCH} otherwise), makes the bytes durable and makes the file appear whole
   * under its name, or not at all.
   */
  void publish(int[] crcs, byte[] hashes) throws IOException;

  /** Stops without publishing, keeping what is resumable. Idempotent. */
  void abort();

  /** Where the file is published (for messages). */
  String target();

  /** Where unpublished chunks are kept and how to free them, for a failed write's message ("" if nowhere). */
  String resumeHint();

  @Override
  default void close() {
    abort();
  }
}
