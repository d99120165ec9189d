package io.shardline.engine.codec;

import static io.shardline.engine.codec.CodecFixtures.MIB;
import static io.shardline.engine.codec.CodecFixtures.concat;
import static io.shardline.engine.codec.CodecFixtures.decode;
import static io.shardline.engine.codec.CodecFixtures.decodeFails;
import static io.shardline.engine.codec.CodecFixtures.encode;
import static io.shardline.engine.codec.CodecFixtures.random;
import static io.shardline.engine.codec.CodecFixtures.roundTrip;
import static io.shardline.engine.codec.CodecFixtures.segments;
import static io.shardline.engine.codec.CodecFixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.Segment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The planes encoding byte by byte (as documented in {@link PlanesCodec}), its checks and its ratios. */
class PlanesCodecTest {
  static final PlanesCodec PLANES = new PlanesCodec();
  static final ZstdCodec ZSTD = new ZstdCodec();
  static final long SMALL = PlanesCodec.BLOCK_BYTES;

  /** A parsed header entry: the byte offset of the entry in the encoding, and its fields. */
  record Part(int at, int mode, int stored) {}

  @Test
  void layoutIsAsDocumented() {
    // BF16 (4,097 values + 1 byte), then 5 bytes of I32 (plain), then 300 F32 values (< 4 KiB:
    // plain, merged with the I32 bytes into one BYTES segment)
    byte[] bf16 = tensor(DType.BF16, 8195, 0.02, 1);
    byte[] i32 = tensor(DType.I32, 5, 0.02, 2);
    byte[] f32 = tensor(DType.F32, 1200, 0.02, 3);
    byte[] raw = concat(bf16, i32, f32);
    List<Segment> segs = segments(DType.BF16, 8195, DType.I32, 5, DType.F32, 1200);
    byte[] enc = encode(PLANES, raw, segs);
    assertNotNull(enc);
    ByteBuffer b = ByteBuffer.wrap(enc); // big-endian
    assertEquals(2, b.getInt(0), "segments");
    assertEquals(8195, b.getInt(4));
    assertEquals(DType.BF16.id(), b.get(8));
    assertEquals(2, b.get(9), "planes");
    Part p0 = new Part(10, b.get(10), b.getInt(11));
    Part p1 = new Part(15, b.get(15), b.getInt(16));
    assertEquals(1205, b.getInt(20), "I32 and the small F32 merged");
    assertEquals(DType.BYTES.id(), b.get(24));
    assertEquals(1, b.get(25));
    Part p2 = new Part(26, b.get(26), b.getInt(27));
    int payload = 31;
    // BF16: plane 1 (sign + exponent) compresses, plane 0 (mantissa) hardly
    assertEquals(1, p1.mode(), "the exponent plane is zstd");
    byte[] plane0 = new byte[4097];
    byte[] plane1 = new byte[4097];
    for (int i = 0; i < 4097; i++) {
      plane0[i] = bf16[2 * i];
      plane1[i] = bf16[2 * i + 1];
    }
    int at = payload;
    at = checkPart(enc, at, p0, plane0);
    at = checkPart(enc, at, p1, plane1);
    assertEquals(bf16[8194], enc[at], "the tail byte follows the planes, raw");
    at++;
    at = checkPart(enc, at, p2, concat(i32, f32));
    assertEquals(enc.length, at);
    assertArrayEquals(raw, decode(PLANES, enc, raw.length));
  }

  private static int checkPart(byte[] enc, int at, Part p, byte[] expected) {
    byte[] stored = Arrays.copyOfRange(enc, at, at + p.stored());
    if (p.mode() == 0) {
      assertArrayEquals(expected, stored);
    } else {
      assertEquals(1, p.mode());
      assertEquals(expected.length, Zstd.getFrameContentSize(stored));
      assertArrayEquals(expected, Zstd.decompress(stored, expected.length));
      assertTrue(p.stored() < expected.length);
    }
    return at + p.stored();
  }

  @Test
  void largeSegmentsAreCutIntoBlocks() {
    int len = PlanesCodec.BLOCK_BYTES * 2 + 4 * 1000 + 3; // 3 blocks of F32, last one short, 3-byte tail
    byte[] raw = tensor(DType.F32, len, 0.02, 9);
    byte[] enc = encode(PLANES, raw, segments(DType.F32, len));
    assertNotNull(enc);
    ByteBuffer b = ByteBuffer.wrap(enc);
    assertEquals(1, b.getInt(0));
    assertEquals(4, b.get(9), "planes");
    int header = 10 + 3 * 4 * 5;
    long stored = 0;
    for (int e = 10; e < header; e += 5) {
      stored += b.getInt(e + 1);
    }
    assertEquals(enc.length, header + stored + 3, "header + parts + tail");
    assertArrayEquals(raw, decode(PLANES, enc, raw.length));
  }

  @Test
  void planesBeatZstdOnNormalFloats() {
    // N(0, 0.02), the spread of trained transformer weights; 4 MiB chunks
    for (DType dtype : new DType[] {DType.BF16, DType.F16, DType.F32, DType.F64}) {
      byte[] raw = tensor(dtype, 4 * MIB, 0.02, 11);
      List<Segment> segs = segments(dtype, raw.length);
      double zstd = (double) raw.length / roundTrip(ZSTD, raw, segs);
      double planes = (double) raw.length / roundTrip(PLANES, raw, segs);
      System.out.printf("%s N(0,0.02) 4 MiB: zstd %.3fx, planes %.3fx%n", dtype, zstd, planes);
      assertTrue(planes > zstd * 1.05, dtype + ": planes " + planes + " vs zstd " + zstd);
    }
  }

  @Test
  void untypedSegmentsCompressLikeZstd() {
    byte[] raw = tensor(DType.BYTES, 1 << 20, 0, 5);
    int zstd = roundTrip(ZSTD, raw, segments(DType.BYTES, raw.length));
    int planes = roundTrip(PLANES, raw, segments(DType.BYTES, raw.length));
    assertTrue(planes <= zstd + 4 + 6 + 5, "one plain segment: zstd plus an 15-byte header");
  }

  @Test
  void randomFloatsEncodeToNullButCompressiblePlanesAlone() {
    // random mantissas, constant exponent: only the exponent plane shrinks
    byte[] raw = random(1 << 16, 3);
    for (int i = 3; i < raw.length; i += 4) {
      raw[i] = 0x3c;
    }
    byte[] enc = encode(PLANES, raw, segments(DType.F32, raw.length));
    assertNotNull(enc);
    assertTrue(enc.length < raw.length * 0.77, "one plane of four is constant: " + enc.length);
    ByteBuffer b = ByteBuffer.wrap(enc);
    assertEquals(0, b.get(10));
    assertEquals(0, b.get(15));
    assertEquals(0, b.get(20));
    assertEquals(1, b.get(25));
  }

  // --- malformed headers -------------------------------------------------------------------

  /** A valid encoding of one BF16 segment of 8 KiB + 1 byte, to corrupt field by field. */
  static byte[] sample() {
    byte[] raw = tensor(DType.BF16, 8193, 0.02, 77);
    return encode(PLANES, raw, segments(DType.BF16, 8193));
  }

  static void failsAfter(Consumer<ByteBuffer> edit) {
    byte[] enc = sample();
    edit.accept(ByteBuffer.wrap(enc));
    decodeFails(PLANES, enc, 8193, 0); // all caught by the header check, before allocating
  }

  @Test
  void malformedHeadersFailBeforeAllocating() {
    failsAfter(b -> b.putInt(0, -1)); // 4 billion segments
    failsAfter(b -> b.putInt(0, 0));
    failsAfter(b -> b.putInt(0, 2));
    failsAfter(b -> b.putInt(4, -1)); // segment of 4 GiB
    failsAfter(b -> b.putInt(4, 8192));
    failsAfter(b -> b.putInt(4, 0));
    failsAfter(b -> b.put(8, (byte) 16)); // unknown dtype
    failsAfter(b -> b.put(8, (byte) 0xff));
    failsAfter(b -> b.put(8, (byte) DType.F32.id())); // F32 with 2 planes
    failsAfter(b -> b.put(8, (byte) DType.BYTES.id())); // BYTES with 2 planes
    failsAfter(b -> b.put(9, (byte) 1));
    failsAfter(b -> b.put(9, (byte) 0));
    failsAfter(b -> b.put(10, (byte) 2)); // unknown mode
    failsAfter(b -> b.putInt(11, -1)); // stored 4 GiB
    failsAfter(b -> b.putInt(11, b.getInt(11) + 1));
    failsAfter(b -> b.putInt(16, 4096)); // zstd part as large as its plane
    failsAfter(b -> b.putInt(16, 8)); // shorter than any frame
    failsAfter(b -> b.put(15, (byte) 0)); // zstd part declared raw: lengths no longer add up
  }

  @Test
  void checksRawLengthPayloadSizeAndZstdFrames() {
    byte[] enc = sample();
    decodeFails(PLANES, enc, 8192, 0);
    decodeFails(PLANES, enc, 8194, 0);
    decodeFails(PLANES, concat(enc, new byte[1]), 8193, 0);
    decodeFails(PLANES, new byte[] {0, 0, 0, 0}, 0, 0); // no segments, no bytes: not smaller
    decodeFails(PLANES, new byte[] {0, 0, 0, 0}, 5, 0); // no segments for 5 bytes
    // a zstd plane whose frame declares another size: caught when that frame is decoded
    ByteBuffer b = ByteBuffer.wrap(enc);
    int frameAt = 20 + b.getInt(11);
    byte[] other = Zstd.compress(new byte[4095], 1);
    byte[] forged = concat(Arrays.copyOf(enc, 16), intBytes(other.length),
        Arrays.copyOfRange(enc, 20, frameAt), other, Arrays.copyOfRange(enc, frameAt + b.getInt(16), enc.length));
    decodeFails(PLANES, forged, 8193, 8193 + SMALL);
  }

  static byte[] intBytes(int v) {
    return ByteBuffer.allocate(4).putInt(v).array();
  }

  @Test
  void rejectsBadLevels() {
    assertThrows(IllegalArgumentException.class, () -> new PlanesCodec(0));
    assertThrows(IllegalArgumentException.class, () -> new PlanesCodec(23));
    assertEquals(3, new PlanesCodec(3).level());
    assertEquals(1, new PlanesCodec(-5).level(), "fast levels do not entropy-code: planes use 1");
    byte[] raw = tensor(DType.BF16, 1 << 16, 0.02, 1);
    assertTrue(roundTrip(new PlanesCodec(-5), raw, segments(DType.BF16, raw.length)) < raw.length);
    assertTrue(roundTrip(new PlanesCodec(9), raw, segments(DType.BF16, raw.length)) < raw.length);
  }
}
