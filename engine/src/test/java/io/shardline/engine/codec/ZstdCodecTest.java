package io.shardline.engine.codec;

import static io.shardline.engine.codec.CodecFixtures.MIB;
import static io.shardline.engine.codec.CodecFixtures.concat;
import static io.shardline.engine.codec.CodecFixtures.decode;
import static io.shardline.engine.codec.CodecFixtures.decodeFails;
import static io.shardline.engine.codec.CodecFixtures.encode;
import static io.shardline.engine.codec.CodecFixtures.roundTrip;
import static io.shardline.engine.codec.CodecFixtures.segments;
import static io.shardline.engine.codec.CodecFixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.shardline.engine.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** {@link ZstdCodec}: the frame checks that run before anything is allocated. */
class ZstdCodecTest {
  static final ZstdCodec ZSTD = new ZstdCodec();
  static final byte[] RAW = tensor(DType.BYTES, 20_000, 0, 3);

  static byte[] frame(byte[] raw, boolean contentSize, boolean checksum) {
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      return ctx.setLevel(1).setContentSize(contentSize).setChecksum(checksum).compress(raw);
    }
  }

  @Test
  void encodesOneFrameWithContentSizeAndNoChecksum() {
    byte[] enc = encode(ZSTD, RAW, segments(DType.BYTES, RAW.length));
    assertNotNull(enc);
    assertEquals(RAW.length, Zstd.getFrameContentSize(enc));
    assertEquals(0, enc[4] & 0x04, "no checksum flag in the frame header descriptor");
    assertArrayEquals(RAW, Zstd.decompress(enc, RAW.length));
    assertArrayEquals(RAW, decode(ZSTD, enc, RAW.length));
  }

  @Test
  void planesParametersDoNotLeakIntoZstdOnTheSameThread() {
    byte[] raw = tensor(DType.BF16, 1 << 18, 0.02, 8);
    byte[] before = encode(ZSTD, raw, segments(DType.BF16, raw.length));
    byte[] planes = encode(new PlanesCodec(), raw, segments(DType.BF16, raw.length));
    byte[] after = encode(ZSTD, raw, segments(DType.BF16, raw.length));
    assertNotNull(planes);
    assertArrayEquals(before, after, "the thread's context is back to zstd's own parameters");
    try (ZstdCompressCtx fresh = new ZstdCompressCtx()) {
      assertArrayEquals(fresh.setLevel(1).compress(raw), after, "same frame as a fresh context");
    }
  }

  @Test
  void acceptsFramesFromOtherEncoders() {
    assertArrayEquals(RAW, decode(ZSTD, frame(RAW, true, true), RAW.length)); // with a checksum
    assertArrayEquals(RAW, decode(new ZstdCodec(19), encode(new ZstdCodec(19), RAW,
        segments(DType.BYTES, RAW.length)), RAW.length));
  }

  @Test
  void rejectsFramesWithoutContentSize() {
    decodeFails(ZSTD, frame(RAW, false, false), RAW.length, 0);
  }

  @Test
  void rejectsTrailingBytesAndSecondFrames() {
    byte[] enc = frame(RAW, true, false);
    decodeFails(ZSTD, concat(enc, new byte[] {0}), RAW.length, 0);
    decodeFails(ZSTD, concat(enc, frame(new byte[0], true, false)), RAW.length, 0); // an empty 2nd frame
    byte[] skippable = {0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0};
    decodeFails(ZSTD, concat(enc, skippable), RAW.length, 0);
    decodeFails(ZSTD, concat(skippable, enc), RAW.length, 0);
  }

  @Test
  void hugeDeclaredSizesFailBeforeAllocating() {
    // a frame claiming 2^40 bytes (only its header is real)
    byte[] big = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, (byte) 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0};
    assertEquals(1L << 40, Zstd.getFrameContentSize(big));
    decodeFails(ZSTD, big, 64 * MIB, 0);
    decodeFails(ZSTD, big, Integer.MAX_VALUE, 0);
    // a valid frame of the right declared size whose blocks are cut short
    byte[] enc = frame(RAW, true, false);
    decodeFails(ZSTD, java.util.Arrays.copyOf(enc, enc.length - 1), RAW.length, 0);
  }

  @Test
  void blocksThatDecodeToTheWrongSizeFailAfterAllocatingOnlyTheChunk() {
    // a frame declaring raw.length + 1 relabelled as raw.length: its blocks overflow the output
    byte[] raw = tensor(DType.BYTES, 100_000, 0, 4);
    byte[] longer = frame(concat(raw, new byte[] {1}), true, false);
    ByteBuffer b = ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN);
    int fhd = longer[4] & 0xff;
    assertEquals(2, fhd >>> 6, "4-byte content size field");
    int fcsAt = 5 + ((fhd & 0x20) != 0 ? 0 : 1);
    assertEquals(raw.length + 1, b.getInt(fcsAt));
    b.putInt(fcsAt, raw.length);
    decodeFails(ZSTD, longer, raw.length, raw.length);
  }

  @Test
  void levelIsConfigurable() {
    byte[] raw = tensor(DType.BF16, MIB, 0.02, 1);
    int fast = roundTrip(new ZstdCodec(-3), raw, segments(DType.BF16, raw.length));
    int one = roundTrip(new ZstdCodec(), raw, segments(DType.BF16, raw.length));
    assertTrue(fast > one, "level -3 compresses less than level 1");
    assertEquals(1, new ZstdCodec().level());
    assertThrows(IllegalArgumentException.class, () -> new ZstdCodec(0));
    assertThrows(IllegalArgumentException.class, () -> new ZstdCodec(23));
  }
}
