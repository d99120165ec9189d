package io.shardline.engine.delta;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire form of one range's segment list, big-endian:
 * {@code start u64, count u32, count × (length u32, hash u64)}; the segments lie back to back
 * from {@code start}. The decoder takes exactly one list and refuses, with
 * {@link ErrorCode#MALFORMED_FRAME}, input that is short, longer than its count says, over
 * {@link #MAX_SEGMENTS}, or whose lengths are zero, over {@link #MAX_SEGMENT_LENGTH} or run past
 * the largest file offset. Nothing is allocated before the count is checked against the input.
 */
public final class SegmentCodec {
  /** Bytes before the segments: start (8) and count (4). */
  public static final int HEADER_BYTES = 12;
  /** Bytes per segment: length (4) and hash (8). */
  public static final int SEGMENT_BYTES = 12;
  /**
   * Most segments in one list: 65,536 (786,444 bytes encoded), enough for 1 GiB at the default
   * 16 KiB minimum segment, 4 GiB at the 64 KiB average; ask for longer ranges in several lists.
   */
  public static final int MAX_SEGMENTS = 1 << 16;
  /** Longest segment a list may carry: the chunker's largest allowed maximum. */
  public static final int MAX_SEGMENT_LENGTH = GearChunker.MAX_MAX;

  private SegmentCodec() {}

  /** Bytes {@code encode} writes for {@code count} segments. */
  public static int encodedLength(int count) {
    return HEADER_BYTES + SEGMENT_BYTES * count;
  }

  /** The list as bytes. */
  public static byte[] encode(SegmentIndex segments) {
    if (segments.size() > MAX_SEGMENTS) {
      throw new IllegalArgumentException(segments.size() + " segments is over " + MAX_SEGMENTS + " in one list");
    }
    ByteBuffer b = ByteBuffer.allocate(encodedLength(segments.size())).order(ByteOrder.BIG_ENDIAN);
    b.putLong(segments.start()).putInt(segments.size());
    for (int i = 0; i < segments.size(); i++) {
      b.putInt(segments.length(i)).putLong(segments.hash(i));
    }
    return b.array();
  }

  /** The list in {@code in}'s remaining bytes (all of them; its position moves to its limit). */
  public static SegmentIndex decode(ByteBuffer in) {
    ByteBuffer b = in.slice().order(ByteOrder.BIG_ENDIAN);
    if (b.remaining() < HEADER_BYTES) {
      throw malformed("segment list of " + b.remaining() + " bytes is shorter than its " + HEADER_BYTES + "-byte header");
    }
    long start = b.getLong();
    long count = b.getInt() & 0xFFFFFFFFL;
    if (start < 0) {
      throw malformed("segment list starts at a negative offset " + start);
    }
    if (count > MAX_SEGMENTS) {
      throw malformed("segment list of " + count + " segments is over the limit of " + MAX_SEGMENTS);
    }
    long expected = (long) SEGMENT_BYTES * count;
    if (b.remaining() < expected) {
      throw malformed("segment list of " + count + " segments needs " + expected + " bytes, has " + b.remaining());
    }
    if (b.remaining() > expected) {
      throw malformed("segment list of " + count + " segments has " + (b.remaining() - expected) + " bytes too many");
    }
    SegmentIndex.Builder out = new SegmentIndex.Builder(start);
    long pos = start;
    for (int i = 0; i < count; i++) {
      long len = b.getInt() & 0xFFFFFFFFL;
      long hash = b.getLong();
      if (len == 0 || len > MAX_SEGMENT_LENGTH) {
        throw malformed("segment " + i + " has length " + len + " (allowed 1.." + MAX_SEGMENT_LENGTH + ")");
      }
      if (pos > Long.MAX_VALUE - len) {
        throw malformed("segment " + i + " runs past the largest file offset");
      }
      pos += len;
      out.add((int) len, hash);
    }
    in.position(in.limit());
    return out.build();
  }

  private static ShardlineException malformed(String message) {
    return new ShardlineException(ErrorCode.MALFORMED_FRAME, message);
  }
}
