package io.shardline.engine.error;

/**
 * Typed errors, on the wire (in {@code ERROR} frames) and in the engine. Each code says whether
 * retrying the same operation can succeed ({@link #retryable()}), as in WDT's {@code ErrorCodes.h}.
 */
public enum ErrorCode {
  /** The peer speaks another protocol version. */
  PROTOCOL_VERSION(1, false),
  /** A frame's fields do not parse (bad magic, lengths that do not add up, bad UTF-8). */
  MALFORMED_FRAME(2, false),
  /** A frame announced a length over the receiver's limit; nothing was allocated. */
  FRAME_TOO_LARGE(3, false),
  /** A frame type this version does not know. */
  UNKNOWN_FRAME(4, false),
  /** A frame ended before its fields did. */
  SHORT_FRAME(5, false),
  /** A frame arrived that is not allowed in the lane's current state. */
  UNEXPECTED_FRAME(6, false),
  /** Missing or wrong token. */
  AUTH_FAILED(10, false),
  /** The peer did not complete the handshake in time. */
  HANDSHAKE_TIMEOUT(11, true),
  /** The peer's TLS certificate did not match the pinned fingerprint or CA. */
  UNTRUSTED_PEER(12, false),
  /** The node takes no pushes (v7: it was not started with {@code --accept-push}). */
  PUSH_REFUSED(13, false),
  /** A path that escapes the root or is not a valid relative path. */
  BAD_PATH(20, false),
  /** The requested path does not exist (or is not a regular file or directory). */
  NOT_FOUND(21, false),
  /** Reading or writing a file failed. */
  IO_ERROR(22, true),
  /** The source file changed since its manifest was computed. */
  SOURCE_CHANGED(23, false),
  /** A request outside limits (chunk size, ranges, file or manifest size). */
  BAD_REQUEST(24, false),
  /** A chunk's bytes did not match its CRC32C. */
  CHECKSUM_MISMATCH(30, true),
  /** A file's digest did not match the manifest's. */
  DIGEST_MISMATCH(31, true),
  /** A lane delivered nothing for longer than the watchdog allows. */
  LANE_STALLED(32, true),
  /** The connection closed or failed. */
  CONNECTION_LOST(33, true),
  /** No progress was possible for longer than the progress timeout. */
  NO_PROGRESS(34, false),
  /** The local destination could not be written. */
  DESTINATION_ERROR(35, false),
  /** A chunk's encoding (zstd, byte planes) is corrupt or malformed. */
  BAD_ENCODING(36, true),
  /** An HTTPS source answered what it must not (a wrong range, a status out of place); never sent on the wire. */
  BAD_RESPONSE(37, false),
  /** The server is shutting down or over a limit. */
  BUSY(40, true),
  /**
   * The chunk is not here yet: a relay is still receiving it (v5). The answer to one GET, after
   * the relay waited a bounded time for it; the client asks for other chunks meanwhile and comes
   * back to this one later, without counting an attempt.
   */
  NOT_YET(41, true),
  /** The transfer was cancelled or paused by its owner (never sent on the wire). */
  CANCELLED(50, false),
  /** Another pull holds the destination's lock (never sent on the wire): trying again once it is free can succeed. */
  DESTINATION_LOCKED(51, true),
  /**
   * The writer lost its right to write: a gateway's lease on the job expired or moved to another
   * gateway, so this pull stops without writing or publishing (never sent on the wire).
   */
  FENCED(52, false),
  /**
   * The sources of a multi-source pull listed different content (another file set, size, chunking
   * or root): nothing is fetched (never sent on the wire).
   */
  SOURCES_DISAGREE(53, false),
  /** A bug: an unexpected exception. */
  INTERNAL(99, false);

  private final int code;
  private final boolean retryable;

  ErrorCode(int code, boolean retryable) {
    this.code = code;
    this.retryable = retryable;
  }

  /** The number sent on the wire. */
  public int code() {
    return code;
  }

  /** Whether trying again (on another lane, later) can succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The code for a wire number; unknown numbers map to {@link #INTERNAL}. */
  public static ErrorCode of(int code) {
    for (ErrorCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return INTERNAL;
  }
}
