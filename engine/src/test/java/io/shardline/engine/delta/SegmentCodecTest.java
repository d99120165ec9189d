package io.shardline.engine.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The wire form of a segment list: round trips, and every malformed input refused by name. */
class SegmentCodecTest {
  private static SegmentIndex list(long start, int... lengths) {
    SegmentIndex.Builder b = new SegmentIndex.Builder(start);
    for (int i = 0; i < lengths.length; i++) {
      b.add(lengths[i], 0x0102030405060708L * (i + 1));
    }
    return b.build();
  }

  @Test
  void roundTrip() {
    SegmentIndex real = SegmentIndex.of(DeltaData.mixed(3 << 20, 1)).covering(1 << 20, 2 << 20);
    for (SegmentIndex s : new SegmentIndex[] {real, list(0), list(1L << 40, 1, 2, 3), list(7, 64 << 20)}) {
      byte[] wire = SegmentCodec.encode(s);
      assertEquals(SegmentCodec.encodedLength(s.size()), wire.length);
      ByteBuffer in = ByteBuffer.wrap(wire);
      SegmentIndex back = SegmentCodec.decode(in);
      assertEquals(s, back);
      assertEquals(s.end(), back.end());
      assertEquals(0, in.remaining());
    }
  }

  @Test
  void theLayoutIsBigEndianStartCountThenLengthAndHash() {
    byte[] wire = SegmentCodec.encode(list(0x1122334455667788L, 0x01020304));
    assertArrayEquals(new byte[] {
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88, // start
        0, 0, 0, 1, // count
        1, 2, 3, 4, // length
        1, 2, 3, 4, 5, 6, 7, 8}, wire); // hash
  }

  @Test
  void everyInputOneByteShortIsRefused() {
    byte[] wire = SegmentCodec.encode(list(100, 10, 20, 30));
    for (int n = 0; n < wire.length; n++) {
      ShardlineException e = malformed(Arrays.copyOf(wire, n));
      assertTrue(e.getMessage().contains(n < 12 ? "shorter than its 12-byte header" : "needs 36 bytes"), e.getMessage());
    }
  }

  @Test
  void trailingBytesAreRefused() {
    byte[] wire = Arrays.copyOf(SegmentCodec.encode(list(0, 10)), 25);
    assertTrue(malformed(wire).getMessage().contains("1 bytes too many"));
  }

  @Test
  void aCountOverTheLimitIsRefusedBeforeAnythingIsRead() {
    ByteBuffer b = ByteBuffer.allocate(12).putLong(0).putInt(SegmentCodec.MAX_SEGMENTS + 1);
    assertTrue(malformed(b.array()).getMessage().contains("over the limit of 65536"));
    ByteBuffer huge = ByteBuffer.allocate(12).putLong(0).putInt(-1);
    assertTrue(malformed(huge.array()).getMessage().contains("4294967295 segments"));
    int[] ones = new int[SegmentCodec.MAX_SEGMENTS + 1];
    Arrays.fill(ones, 1);
    SegmentIndex tooMany = list(0, ones);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentCodec.encode(tooMany));
    assertTrue(e.getMessage().contains("over 65536"), e.getMessage());
  }

  @Test
  void badLengthsAndOffsetsAreRefused() {
    assertTrue(malformed(withLength(0, 0)).getMessage().contains("length 0"));
    assertTrue(malformed(withLength(0, SegmentCodec.MAX_SEGMENT_LENGTH + 1)).getMessage().contains("length 67108865"));
    assertTrue(malformed(withLength(0, -1)).getMessage().contains("length 4294967295"));
    assertTrue(malformed(withLength(Long.MAX_VALUE - 5, 10)).getMessage().contains("past the largest file offset"));
    assertTrue(malformed(withLength(-1, 10)).getMessage().contains("negative offset"));
  }

  private static byte[] withLength(long start, int length) {
    return ByteBuffer.allocate(24).putLong(start).putInt(1).putInt(length).putLong(42).array();
  }

  private static ShardlineException malformed(byte[] wire) {
    ShardlineException e = assertThrows(ShardlineException.class, () -> SegmentCodec.decode(ByteBuffer.wrap(wire)));
    assertEquals(ErrorCode.MALFORMED_FRAME, e.code());
    return e;
  }
}
