package io.shardline.engine.wire;

/** Frame type bytes (version 1; SETTINGS since version 3; SEGMENTS, SEGMENT_LIST and GET_RANGE since version 6; PUSH, PUSH_ACCEPT, DIAL, JOIN and PUSH_DONE since version 7). */
public enum FrameType {
  HELLO(0x01),
  WELCOME(0x02),
  ERROR(0x03),
  /** Since v3. */
  SETTINGS(0x04),
  LIST(0x10),
  ENTRY(0x11),
  LIST_END(0x12),
  /** Since v6: the content-defined segments of a listed file's range (delta pull). */
  SEGMENTS(0x13),
  /** Since v6: the answer to SEGMENTS. */
  SEGMENT_LIST(0x14),
  GET(0x20),
  DATA(0x21),
  /** Since v6: any byte range of a listed file, answered with an identity DATA. */
  GET_RANGE(0x22),
  /** Since v7: a push's first frame (the pusher's control connection). */
  PUSH(0x30),
  /** Since v7: a push accepted, with its session id. */
  PUSH_ACCEPT(0x31),
  /** Since v7: the server asks the pusher for one more connection. */
  DIAL(0x32),
  /** Since v7: the first frame of a connection a DIAL asked for. */
  JOIN(0x33),
  /** Since v7: the push is done, with the server's summary. */
  PUSH_DONE(0x34);

  private final int id;

  FrameType(int id) {
    this.id = id;
  }

  public int id() {
    return id;
  }

  private static final FrameType[] BY_ID = new FrameType[256];

  static {
    for (FrameType t : values()) {
      BY_ID[t.id] = t;
    }
  }

  /** The type for a byte, or null when unknown. */
  public static FrameType of(int id) {
    return id >= 0 && id < 256 ? BY_ID[id] : null;
  }
}
