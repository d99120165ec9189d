package io.shardline.engine.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdException;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.Segment;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test data (seeded), buffers and assertions shared by the codec tests. */
final class CodecFixtures {
  static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
  static final int MIB = 1024 * 1024;

  private CodecFixtures() {}

  /** The three codecs at their default level. */
  static List<Codec> codecs() {
    return List.of(new IdentityCodec(), new ZstdCodec(), new PlanesCodec());
  }

  // --- data ---------------------------------------------------------------------------------

  /**
   * {@code length} bytes of little-endian {@code dtype} values: floats drawn from N(0, std),
   * integers small and signed, BYTES/BOOL/U8 skewed; the last value may be cut short.
   */
  static byte[] tensor(DType dtype, int length, double std, long seed) {
    Random r = new Random(seed);
    int w = dtype.width();
    ByteBuffer b = ByteBuffer.allocate(length + 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = 0; at < length; at += w) {
      double g = r.nextGaussian() * std;
      long v = switch (dtype) {
        case F32 -> Float.floatToRawIntBits((float) g);
        case F64 -> Double.doubleToRawLongBits(g);
        case BF16 -> bf16((float) g);
        case F16 -> f16((float) g);
        case F8_E4M3, F8_E5M2 -> bf16((float) g) >>> 8;
        case BOOL -> r.nextInt(10) == 0 ? 1 : 0;
        case BYTES, U8 -> r.nextInt(16) * r.nextInt(16);
        default -> Math.round(g * 1000);
      };
      for (int k = 0; k < w; k++) {
        b.put(at + k, (byte) (v >>> (8 * k)));
      }
    }
    byte[] out = new byte[length];
    b.get(0, out);
    return out;
  }

  /** A float to BF16 bits, rounding to nearest even (NaN is not drawn). */
  static int bf16(float f) {
    int x = Float.floatToRawIntBits(f);
    return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
  }

  /** A float to binary16 bits, truncating (good enough for test data): tiny values flush to 0. */
  static int f16(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int exp = ((x >>> 23) & 0xff) - 127 + 15;
    if (exp <= 0) {
      return sign;
    }
    return exp >= 31 ? sign | 0x7c00 : sign | (exp << 10) | ((x >>> 13) & 0x3ff);
  }

  static byte[] random(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** Segments of the given types and lengths, back to back from offset 0. */
  static List<Segment> segments(Object... typeAndLength) {
    List<Segment> out = new ArrayList<>();
    int at = 0;
    for (int i = 0; i < typeAndLength.length; i += 2) {
      int len = (Integer) typeAndLength[i + 1];
      out.add(new Segment(at, len, (DType) typeAndLength[i]));
      at += len;
    }
    return out;
  }

  // --- buffers ------------------------------------------------------------------------------

  /** A pooled direct buffer holding {@code bytes} (the caller releases it). */
  static ByteBuf direct(byte[] bytes) {
    return ALLOC.directBuffer(bytes.length).writeBytes(bytes);
  }

  /** Reads a buffer's readable bytes without moving its indices. */
  static byte[] bytes(ByteBuf b) {
    return ByteBufUtil.getBytes(b);
  }

  /** Encodes {@code raw} with {@code codec} and returns the encoding's bytes, or null. */
  static byte[] encode(Codec codec, byte[] raw, List<Segment> segments) {
    ByteBuf in = direct(raw);
    try {
      ByteBuf enc = codec.encode(in, segments, ALLOC);
      assertEquals(0, in.readerIndex(), "encode must not move the raw buffer's indices");
      assertEquals(raw.length, in.writerIndex());
      assertEquals(1, in.refCnt(), "encode must not take ownership of the raw buffer");
      if (enc == null) {
        return null;
      }
      try {
        assertTrue(enc.readableBytes() < raw.length, codec + " encoding is not smaller");
        return bytes(enc);
      } finally {
        assertTrue(enc.release());
      }
    } finally {
      assertTrue(in.release());
    }
  }

  /** Decodes {@code encoded} and returns the decoded bytes (the decode must succeed). */
  static byte[] decode(Codec codec, byte[] encoded, int rawLength) {
    ByteBuf in = direct(encoded);
    try {
      ByteBuf out = codec.decode(in, rawLength, ALLOC);
      try {
        assertEquals(0, in.readerIndex(), "decode must not move the encoded buffer's indices");
        assertEquals(1, in.refCnt());
        assertEquals(rawLength, out.readableBytes());
        return bytes(out);
      } finally {
        out.release(); // an empty result may be the allocator's shared empty buffer: no refCnt
      }
    } finally {
      assertTrue(in.release());
    }
  }

  /** Encodes and decodes; asserts the bytes come back. Returns the encoded size (raw if null). */
  static int roundTrip(Codec codec, byte[] raw, List<Segment> segments) {
    byte[] enc = encode(codec, raw, segments);
    if (enc == null) {
      return raw.length;
    }
    byte[] back = decode(codec, enc, raw.length);
    assertTrue(java.util.Arrays.equals(raw, back), codec + " did not round-trip " + raw.length + " bytes");
    return enc.length;
  }

  /**
   * Decodes {@code encoded} expecting {@code BAD_ENCODING}; checks that only a bug-free path got
   * there (no wrapped exception other than zstd's) and that nothing larger than {@code bound}
   * bytes was allocated in total.
   */
  static ShardlineException decodeFails(Codec codec, byte[] encoded, int rawLength, long bound) {
    CountingAllocator alloc = new CountingAllocator();
    ByteBuf in = direct(encoded);
    try {
      ShardlineException e = assertThrows(ShardlineException.class, () -> {
        ByteBuf out = codec.decode(in, rawLength, alloc);
        out.release();
      }, () -> codec + " decoded " + encoded.length + " corrupt bytes for raw length " + rawLength);
      assertEquals(ErrorCode.BAD_ENCODING, e.code(), e::toString);
      assertTrue(e.getCause() == null || e.getCause() instanceof ZstdException,
          () -> "decode failed through an unexpected exception: " + e.getCause());
      assertTrue(alloc.total <= bound, () -> codec + " allocated " + alloc.total + " bytes, bound " + bound);
      assertEquals(1, in.refCnt());
      return e;
    } finally {
      in.release();
    }
  }

  /**
   * Decodes {@code encoded}, which may be corrupt: it must fail with {@code BAD_ENCODING} or give
   * exactly {@code rawLength} bytes (zstd data corruption is only caught by the chunk CRC), and
   * never allocate more than {@code bound} bytes. Returns whether it failed.
   */
  static boolean decodeFailsOrKeepsLength(Codec codec, byte[] encoded, int rawLength, long bound) {
    CountingAllocator alloc = new CountingAllocator();
    ByteBuf in = direct(encoded);
    try {
      ByteBuf out = codec.decode(in, rawLength, alloc);
      try {
        assertEquals(rawLength, out.readableBytes());
      } finally {
        out.release();
      }
      return false;
    } catch (ShardlineException e) {
      assertEquals(ErrorCode.BAD_ENCODING, e.code(), e::toString);
      assertTrue(e.getCause() == null || e.getCause() instanceof ZstdException,
          () -> "decode failed through an unexpected exception: " + e.getCause());
      return true;
    } finally {
      assertTrue(alloc.total <= bound, () -> codec + " allocated " + alloc.total + " bytes, bound " + bound);
      in.release();
    }
  }

  static void assertNullEncoding(Codec codec, byte[] raw, List<Segment> segments) {
    assertNull(encode(codec, raw, segments), () -> codec + " should not encode " + raw.length + " bytes");
  }

  /** Counts the bytes it is asked for; allocates from the pooled allocator. */
  static final class CountingAllocator extends AbstractByteBufAllocator {
    long total;
    int largest;

    CountingAllocator() {
      super(true);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      count(initialCapacity);
      return PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      count(initialCapacity);
      return PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
    }

    private synchronized void count(int n) {
      total += n;
      largest = Math.max(largest, n);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return true;
    }
  }
}
