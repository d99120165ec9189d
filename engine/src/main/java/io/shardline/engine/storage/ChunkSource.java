package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.delta.SegmentIndex;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.tensor.Segment;
import io.shardline.engine.integrity.FileManifest;
import java.io.IOException;
import java.util.List;

/**
 * Where a server's chunks come from: a tree of files, listed into manifests and read chunk by
 * chunk. Modelled on Okio's {@code Source} and WDT's {@code ByteSource}: a small interface whose
 * methods each exist for one reason, so that a local disk ({@link LocalChunkSource}), memory (the
 * tests), an object store or a relay's half-received file can all serve. Every method may block
 * (file or network I/O): call from a worker thread, never from an event loop. Errors are
 * {@code ShardlineException}s with typed codes and name files by their path under the source's
 * root, never by a server's own absolute paths.
 */
public interface ChunkSource {
  /**
   * The manifests of the file, or of every file below the folder, at {@code rel} (a normalised
   * path under the root; "" is the root), cut into chunks of {@code chunkSize}: this is LIST.
   * Exists so a client learns sizes and chunk CRCs before it asks for a byte; a source may cache
   * the sums (they cost a full read), keyed by file version.
   */
  List<FileManifest> list(String rel, int chunkSize) throws IOException;

  /**
   * LIST for a client that takes streamed manifests (v4) when {@code stream}: a file whose sums
   * are not known yet may come back {@linkplain FileManifest#streamed() streamed} (size and version
   * only) while the source computes them, so its chunks can flow at once; a later {@code list}
   * returns its complete manifest. By default every manifest is complete.
   */
  default List<FileManifest> list(String rel, int chunkSize, boolean stream) throws IOException {
    return list(rel, chunkSize);
  }

  /**
   * Opens the file at {@code rel} for a transfer: the handle resolves the path once, captures the
   * file's version and keeps what every chunk read needs (an open channel, the element-type map)
   * until it is closed. Exists so a chunk read does no path work; handles are cached by the
   * server. With {@code expected} (the manifest this node listed, or null when it listed none for
   * this path), a file whose version no longer matches it fails with {@code SOURCE_CHANGED} here
   * and each chunk read is checked against its CRC.
   */
  Handle open(String rel, FileManifest expected) throws IOException;

  /**
   * For a source whose chunks arrive while it serves (a relay still pulling), which of them are
   * here yet; null (the default) when every listed chunk can be read at once. The server asks it
   * before it reads a chunk: one not here yet waits (bounded) without holding a thread or memory,
   * then gets {@code NOT_YET}.
   */
  default Arrivals arrivals() {
    return null;
  }

  /** Which chunks of a filling source are here yet. Thread-safe and non-blocking: called on event loops. */
  interface Arrivals {
    /** Whether the chunk of {@code path} (a served path) at {@code offset} can be read now. */
    boolean here(String path, long offset);

    /**
     * Runs {@code ready} once, on any thread, when the chunk at {@code offset} of {@code path} can
     * be read, or when it never will (its file failed: the read then says why); tells the source
     * someone waits for it, so it fetches that chunk next. Returns what unregisters it (a request
     * that gave up waiting).
     */
    Runnable await(String path, long offset, Runnable ready);
  }

  /** One open file of a source; thread-safe (lanes read chunks of one file concurrently). */
  interface Handle extends AutoCloseable {
    /** The path under the root this handle was opened for. */
    String path();

    /** The manifest reads are checked against, or null (none was listed: reads are unchecked). */
    FileManifest manifest();

    /**
     * Reads {@code length} bytes at {@code offset}. Exists to give the encoder everything it needs
     * in one call: the bytes (the caller owns and releases them), their CRC32C and the typed byte
     * runs (cut at tensor boundaries). A read whose CRC differs from the manifest's chunk CRC, or
     * of a file that was changed, truncated, replaced or removed since it was opened, fails with
     * {@code SOURCE_CHANGED} (not retryable) and releases the bytes: a changed chunk is never
     * shipped. A failing disk is an {@code IO_ERROR} (retryable).
     */
    Chunk read(long offset, int length, ByteBufAllocator alloc) throws IOException;

    /**
     * Reads any {@code length} bytes at {@code offset} (v6 GET_RANGE: a delta pull's missing piece
     * of a chunk), checked against the file's version like {@link #read} but not against a chunk
     * CRC (the range is not a chunk; the client checks the chunk it assembles). Sources that do
     * not serve ranges answer {@code BAD_REQUEST}, and the client fetches whole chunks instead.
     */
    default Chunk readRange(long offset, int length, ByteBufAllocator alloc) throws IOException {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "this source does not serve byte ranges of /" + path());
    }

    /**
     * The content-defined segments of this file version (v6 SEGMENTS), cut once per version and
     * cached by the source. Sources that cannot cut their files answer {@code BAD_REQUEST}.
     */
    default SegmentIndex segments() throws IOException {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "this source does not cut /" + path() + " into segments");
    }

    /** Releases what the handle holds (the channel). Idempotent; reads after it fail. */
    @Override
    void close();
  }

  /** A chunk as read: a buffer the caller owns, its CRC32C and its typed byte runs. */
  record Chunk(ByteBuf bytes, int crc, List<Segment> segments) {}
}
