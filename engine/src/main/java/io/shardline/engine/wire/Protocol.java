package io.shardline.engine.wire;

/**
 * Protocol constants. See {@code docs/protocol.md}; every wire feature names the version that
 * introduced it.
 */
public final class Protocol {
  /** "SHLN": the first four bytes of every HELLO. */
  public static final int MAGIC = 0x53484C4E;
  /**
   * Version 7: push (PUSH, PUSH_ACCEPT, DIAL, JOIN, PUSH_DONE): a pusher opens the connections and
   * serves on them, the server pulls over them into its served tree. Version 6: strong chunk identity (a complete ENTRY carries every chunk's SHA-256 after its
   * CRCs, and the root is a Merkle root over those hashes). Version 5: the NOT_YET error (41), a relay's answer to a GET for a chunk it has not received
   * yet. Version 4: streamed manifests (LIST flags; an ENTRY for a file the server has not summed yet
   * carries no CRCs and no root, and its complete manifest is listed again after its chunks).
   * Version 3 (SETTINGS: a lane's rate share and write window change on a live lane). Version 2:
   * codec negotiation (HELLO and GET carry codec masks; DATA may be zstd or byte planes). Version
   * 1: HELLO/WELCOME, LIST/ENTRY/LIST_END, GET/DATA, ERROR. Peers must speak the same version.
   */
  public static final int VERSION = 7;
  /** Frame prefix: u32 length (of type + body) and u8 type. */
  public static final int PREFIX_BYTES = 5;
  /** Fixed part of a DATA body before the payload: request id, offset, codec, raw length, crc. */
  public static final int DATA_HEADER_BYTES = 4 + 8 + 1 + 4 + 4;
  /** Largest frame a server accepts from a client: clients only send small control frames. */
  public static final int MAX_CLIENT_FRAME = 64 * 1024;
  /** Largest control frame (ENTRY lists per-chunk CRCs) a client accepts. */
  public static final int MAX_CONTROL_FRAME = 16 * 1024 * 1024;
  /** Smallest and largest chunk sizes. */
  public static final int MIN_CHUNK = 4 * 1024;
  public static final int MAX_CHUNK = 64 * 1024 * 1024;
  public static final int DEFAULT_CHUNK = 4 * 1024 * 1024;
  /** Longest token, path and message strings. */
  public static final int MAX_TOKEN = 1024;
  public static final int MAX_PATH = 4096;
  public static final int MAX_MESSAGE = 4096;
  /**
   * The most chunks one ENTRY may list (v6: 36 bytes a chunk, inside {@link #MAX_CONTROL_FRAME}
   * with both paths at their longest): 1.7 TiB in 4 MiB chunks. A server refuses to list a larger
   * file at that chunk size ({@code BAD_REQUEST}, naming a chunk size that fits).
   */
  public static final int MAX_ENTRY_CHUNKS = (MAX_CONTROL_FRAME - 2 * (2 + MAX_PATH) - 64) / (4 + 32);
  /** Longest PUSH_DONE summary (v7). */
  public static final int MAX_PUSH_RESULT = 4 * 1024 * 1024;
  private Protocol() {}

  /** The largest frame a client must accept for a given chunk size. */
  public static int maxServerFrame(int chunkSize) {
    return Math.max(MAX_CONTROL_FRAME, 1 + DATA_HEADER_BYTES + chunkSize);
  }
}
