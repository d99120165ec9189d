package io.shardline.engine.wire;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecMask;
import io.shardline.engine.delta.SegmentIndex;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.integrity.FileManifest;

/** The frames of the protocol (each names the version that introduced it), one record each. See {@code docs/protocol.md}. */
public sealed interface Frame
    permits Frame.Hello, Frame.Welcome, Frame.Error, Frame.Settings, Frame.List, Frame.Entry, Frame.ListEnd,
        Frame.Segments, Frame.SegmentList, Frame.Get, Frame.Data, Frame.GetRange, Frame.Push, Frame.PushAccept,
        Frame.Dial, Frame.Join, Frame.PushDone {

  FrameType type();

  /**
   * Client to server, first frame on a lane. {@code codecs}: what the client decodes (v2);
   * {@code laneRate}: this lane's share of the client's rate limit in bytes/s, 0 for none (v2).
   */
  record Hello(int version, int lane, String token, int codecs, long laneRate) implements Frame {
    public Hello(int version, int lane, String token, CodecMask codecs, long laneRate) {
      this(version, lane, token, codecs.toWire(), laneRate);
    }

    public FrameType type() {
      return FrameType.HELLO;
    }

    /** {@code codecs} as a mask; bits for no known codec fail with {@code MALFORMED_FRAME}. */
    public CodecMask codecMask() {
      return CodecMask.fromWire(codecs);
    }

    @Override
    public String toString() {
      return "Hello[version=" + version + ", lane=" + lane + ", token=" + (token.isEmpty() ? "none" : "***")
          + ", codecs=0x" + Integer.toHexString(codecs) + ", laneRate=" + laneRate + "]";
    }
  }

  /** Server to client, the answer to a good HELLO. */
  record Welcome(int version, String server) implements Frame {
    public FrameType type() {
      return FrameType.WELCOME;
    }
  }

  /** Either way. {@code requestId} 0 means the lane itself failed and is being closed. */
  record Error(int requestId, ErrorCode code, String message) implements Frame {
    public FrameType type() {
      return FrameType.ERROR;
    }
  }

  /**
   * Client to server on a READY lane (v3; HTTP/2's SETTINGS as the model): new values for this
   * lane's settings as (id, value) pairs, applied in order, so a later pair for the same id wins.
   * A receiver ignores ids it does not know, so a later version can add settings. The ids are
   * {@link #LANE_RATE} and {@link #WINDOW}; see {@code docs/protocol.md}.
   */
  record Settings(java.util.List<Setting> values) implements Frame {
    /** This lane's share of the client's rate limit, bytes/s; 0 = none (as {@code lane_rate} in HELLO). */
    public static final int LANE_RATE = 1;
    /** Bytes of chunks the server may hold for this lane (its write window); 0 = the server's default. */
    public static final int WINDOW = 2;
    /** The most pairs one SETTINGS frame may carry. */
    public static final int MAX_VALUES = 16;

    public Settings {
      values = java.util.List.copyOf(values);
    }

    /** One (id, value) pair; {@code value} is a u64 below 2^63. */
    public record Setting(int id, long value) {}

    public FrameType type() {
      return FrameType.SETTINGS;
    }
  }

  /**
   * Client asks for the manifest of a file or directory, for a chunk size. {@code flags} (v4):
   * {@link #STREAM} lets the server answer a file it has not summed yet with a streamed ENTRY
   * (no CRCs, no root) instead of reading it whole first; without it every ENTRY is complete.
   */
  record List(int requestId, int chunkSize, String path, int flags) implements Frame {
    /** The client takes streamed ENTRYs and fetches their complete manifests after the chunks. */
    public static final int STREAM = 1;
    /** Every flag this version knows; a LIST with others is malformed. */
    public static final int KNOWN = STREAM;

    /** A LIST for complete manifests only. */
    public List(int requestId, int chunkSize, String path) {
      this(requestId, chunkSize, path, 0);
    }

    public FrameType type() {
      return FrameType.LIST;
    }
  }

  /** One file of a manifest (a streamed one, v4, carries no CRCs and no root: {@link FileManifest#streamed()}). */
  record Entry(int requestId, FileManifest file) implements Frame {
    public FrameType type() {
      return FrameType.ENTRY;
    }
  }

  /** Ends a manifest. */
  record ListEnd(int requestId, int files, long bytes) implements Frame {
    public FrameType type() {
      return FrameType.LIST_END;
    }
  }

  /**
   * Client asks (v6) for the content-defined segments ({@code delta.GearChunker}) of a file it
   * listed, those that overlap {@code [offset, offset + length)}: what a delta pull compares with
   * the segments of its older local version. The server cuts the whole file version once.
   */
  record Segments(int requestId, String path, long offset, long length, long version) implements Frame {
    public Segments(int requestId, String path, long offset, long length) {
      this(requestId, path, offset, length, 0);
    }

    public FrameType type() {
      return FrameType.SEGMENTS;
    }
  }

  /** The answer to SEGMENTS (v6): consecutive segments, each its length and 64-bit hash ({@code delta.SegmentCodec}). */
  record SegmentList(int requestId, SegmentIndex segments) implements Frame {
    public FrameType type() {
      return FrameType.SEGMENT_LIST;
    }
  }

  /**
   * Client asks (v6) for any {@code length} bytes of a listed file at {@code offset} (a delta
   * pull's missing pieces of a chunk), answered with an identity DATA whose CRC is the range's.
   * The server checks the file's version, not a chunk CRC: the client checks the chunk it
   * assembles against the manifest's CRC32C and SHA-256.
   */
  record GetRange(int requestId, String path, long offset, int length, long version) implements Frame {
    public GetRange(int requestId, String path, long offset, int length) {
      this(requestId, path, offset, length, 0);
    }

    public FrameType type() {
      return FrameType.GET_RANGE;
    }
  }

  /**
   * Client asks for {@code length} bytes of a file at {@code offset}, in one of the codecs of
   * {@code codecs} (the wire bits of a {@link CodecMask}, maybe with auto).
   */
  record Get(int requestId, String path, long offset, int length, int codecs, long version) implements Frame {
    public Get(int requestId, String path, long offset, int length, int codecs) {
      this(requestId, path, offset, length, codecs, 0);
    }

    public Get(int requestId, String path, long offset, int length, CodecMask codecs) {
      this(requestId, path, offset, length, codecs.toWire(), 0);
    }

    public Get(int requestId, String path, long offset, int length, CodecMask codecs, long version) {
      this(requestId, path, offset, length, codecs.toWire(), version);
    }

    public FrameType type() {
      return FrameType.GET;
    }

    /** {@code codecs} as a mask; bits for no known codec fail with {@code MALFORMED_FRAME}. */
    public CodecMask codecMask() {
      return CodecMask.fromWire(codecs);
    }
  }

  /**
   * Chunk bytes. {@code crc} is the CRC32C of the raw (decoded) bytes, computed when the server
   * read them. The payload is owned by whoever holds the frame: call {@link #release()} once.
   */
  record Data(int requestId, long offset, int codec, int rawLength, int crc, ByteBuf payload)
      implements Frame {
    public Data(int requestId, long offset, CodecId codec, int rawLength, int crc, ByteBuf payload) {
      this(requestId, offset, codec.wire(), rawLength, crc, payload);
    }

    public FrameType type() {
      return FrameType.DATA;
    }

    /** {@code codec} as an id (the decoder accepts only known ids). */
    public CodecId codecId() {
      return CodecId.fromWire(codec);
    }

    public void release() {
      payload.release();
    }
  }

  /**
   * Pusher to server (v7), the first frame of a push's control connection, in place of HELLO:
   * the push token, the served directory the files land in ({@code path}, relative to the
   * served root, created if missing), what the pusher serves for the server to pull
   * ({@code source}: a file's name, or empty for the contents of a directory), and the pull the
   * server runs: lanes, chunk size, the codec mask it asks for and {@link #VERIFY_HASHES}.
   */
  record Push(int version, String token, String path, String source, int lanes, int chunkSize, int codecs,
      int flags) implements Frame {
    /** Flag: the server hashes every received chunk (as {@code pull --verify-hashes}). */
    public static final int VERIFY_HASHES = 1;
    /** Flag: a sync (issue 13): the node compares its folder first and answers with the sync log. */
    public static final int SYNC = 2;
    /** Flag, with SYNC: the node then deletes the folder's files the push did not list. */
    public static final int DELETE = 4;
    /** Flag, with SYNC: the node only compares and writes nothing. */
    public static final int DRY_RUN = 8;
    public static final int KNOWN = VERIFY_HASHES | SYNC | DELETE | DRY_RUN;

    public FrameType type() {
      return FrameType.PUSH;
    }

    @Override
    public String toString() {
      return "Push[version=" + version + ", token=" + (token.isEmpty() ? "none" : "***") + ", path=" + path
          + ", source=" + source + ", lanes=" + lanes + ", chunkSize=" + chunkSize + ", codecs=0x"
          + Integer.toHexString(codecs) + ", flags=" + flags + "]";
    }
  }

  /** Server to pusher (v7): the push is accepted; its session id (128 random bits) names it in JOINs. */
  record PushAccept(long sessionHigh, long sessionLow) implements Frame {
    public FrameType type() {
      return FrameType.PUSH_ACCEPT;
    }

    @Override
    public String toString() {
      return "PushAccept[session=***]";
    }
  }

  /**
   * Server to pusher on the control connection (v7): open one more connection and send JOIN with
   * {@code ticket} on it; the server then speaks HELLO on it as a pulling client and the pusher
   * serves.
   */
  record Dial(int ticket) implements Frame {
    public FrameType type() {
      return FrameType.DIAL;
    }
  }

  /** Pusher to server (v7), the first frame of a connection a DIAL asked for. */
  record Join(int version, long sessionHigh, long sessionLow, int ticket) implements Frame {
    public FrameType type() {
      return FrameType.JOIN;
    }

    @Override
    public String toString() {
      return "Join[version=" + version + ", session=***, ticket=" + ticket + "]";
    }
  }

  /** Server to pusher on the control connection (v7): the push is done; {@code result} is the server's pull summary (JSON). */
  record PushDone(String result) implements Frame {
    public FrameType type() {
      return FrameType.PUSH_DONE;
    }
  }
}
