package io.shardline.engine.codec;

import static io.shardline.engine.codec.CodecFixtures.ALLOC;
import static io.shardline.engine.codec.CodecFixtures.MIB;
import static io.shardline.engine.codec.CodecFixtures.assertNullEncoding;
import static io.shardline.engine.codec.CodecFixtures.bytes;
import static io.shardline.engine.codec.CodecFixtures.concat;
import static io.shardline.engine.codec.CodecFixtures.decode;
import static io.shardline.engine.codec.CodecFixtures.decodeFails;
import static io.shardline.engine.codec.CodecFixtures.decodeFailsOrKeepsLength;
import static io.shardline.engine.codec.CodecFixtures.direct;
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

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link Codec} promises: exact round trips for every dtype and awkward lengths,
 * {@code null} for data that does not shrink, untouched inputs, and {@code BAD_ENCODING} (never
 * another exception, a hang or a large allocation) for truncated, corrupt or mislabelled input.
 */
class CodecContractTest {
  /** Room the decoders may use beyond the raw length (the planes scratch block). */
  static final long SMALL = PlanesCodec.BLOCK_BYTES;

  static List<Codec> codecs() {
    return CodecFixtures.codecs();
  }

  /** A small chunk with a BF16 | F32 | BYTES layout, ending mid-value, that every codec shrinks. */
  static byte[] mixed(List<Segment> segs) {
    byte[] raw = new byte[segs.stream().mapToInt(Segment::length).sum()];
    int seed = 0;
    for (Segment s : segs) {
      byte[] part = tensor(s.dtype(), s.length(), 0.02, ++seed);
      System.arraycopy(part, 0, raw, s.offset(), part.length);
    }
    return raw;
  }

  static final List<Segment> MIXED = segments(DType.BF16, 6001, DType.F32, 5003, DType.BYTES, 999);

  @ParameterizedTest
  @MethodSource("codecs")
  void roundTripsEveryDtypeAndOddLength(Codec codec) {
    int[] lengths = {1, 2, 3, 7, 8, 9, 15, 17, 4095, 4096, 4099, 70_001, PlanesCodec.BLOCK_BYTES * 2 + 13};
    for (DType dtype : DType.values()) {
      for (int len : lengths) {
        byte[] raw = tensor(dtype, len, 0.02, len * 31L + dtype.ordinal());
        roundTrip(codec, raw, segments(dtype, len));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void emptyChunkIsNeverEncodedAndDecodesFromAnEmptyIdentityPayloadOnly(Codec codec) {
    assertNullEncoding(codec, new byte[0], List.of());
    assertNullEncoding(codec, new byte[0], segments(DType.F32, 0));
    if (codec instanceof IdentityCodec) {
      assertEquals(0, decode(codec, new byte[0], 0).length);
    } else {
      decodeFails(codec, new byte[0], 0, SMALL);
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void roundTripsSegmentsOfSeveralTypesWithBoundariesMidChunk(Codec codec) {
    roundTrip(codec, mixed(MIXED), MIXED);
    // A chunk that starts mid-value (its partial element in a BYTES segment), crosses BF16 ->
    // F32 -> F64 -> F16 -> I32 tensors and ends mid-value; tiny tensors in between.
    List<Segment> segs = segments(DType.BYTES, 1, DType.BF16, 300_000, DType.F32, 2, DType.F32, 100_004,
        DType.F64, 9000, DType.I64, 16, DType.F16, 5000, DType.U8, 3, DType.I32, 20_000, DType.BF16, 8191,
        DType.F32, 4097);
    roundTrip(codec, mixed(segs), segs);
    // Many tiny tensors (layer norms, biases): thousands of segments.
    Object[] many = new Object[2 * 3000];
    for (int i = 0; i < 3000; i++) {
      many[2 * i] = DType.values()[i % DType.values().length];
      many[2 * i + 1] = 1 + i % 37;
    }
    List<Segment> tiny = segments(many);
    roundTrip(codec, mixed(tiny), tiny);
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void incompressibleDataEncodesToNull(Codec codec) {
    for (DType dtype : new DType[] {DType.BYTES, DType.BF16, DType.F32, DType.F64}) {
      for (int len : new int[] {1, 9, 10, 100, 4096, 300_001}) {
        assertNullEncoding(codec, random(len, len), segments(dtype, len));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void acceptsHeapCompositeAndOffsetBuffersWithoutTouchingThem(Codec codec) {
    byte[] raw = mixed(MIXED);
    byte[] reference = encode(codec, raw, MIXED);
    // raw in a heap buffer, in a composite of two direct parts, and as a slice at an offset
    ByteBuf heap = Unpooled.wrappedBuffer(raw);
    CompositeByteBuf composite = ALLOC.compositeDirectBuffer(2);
    composite.addComponent(true, direct(java.util.Arrays.copyOf(raw, 1000)));
    composite.addComponent(true, direct(java.util.Arrays.copyOfRange(raw, 1000, raw.length)));
    ByteBuf padded = direct(concat(new byte[] {9, 9, 9}, raw, new byte[] {7}));
    ByteBuf offset = padded.slice(3, raw.length);
    try {
      for (ByteBuf in : List.of(heap, composite, offset)) {
        int reader = in.readerIndex();
        ByteBuf enc = codec.encode(in, MIXED, ALLOC);
        assertEquals(reader, in.readerIndex());
        assertEquals(raw.length, in.readableBytes());
        if (reference == null) {
          assertEquals(null, enc);
          continue;
        }
        assertNotNull(enc);
        try {
          assertArrayEquals(reference, bytes(enc), "same encoding whatever the buffer");
        } finally {
          enc.release();
        }
      }
      byte[] encoded = reference == null ? raw : reference;
      Codec decoder = reference == null ? new IdentityCodec() : codec;
      ByteBuf heapEnc = Unpooled.wrappedBuffer(concat(new byte[] {1, 2}, encoded)).skipBytes(2);
      ByteBuf out = decoder.decode(heapEnc, raw.length, ALLOC);
      try {
        assertEquals(2, heapEnc.readerIndex());
        assertArrayEquals(raw, bytes(out));
        assertTrue(out.isDirect());
      } finally {
        out.release();
      }
    } finally {
      heap.release();
      composite.release();
      padded.release();
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void rejectsSegmentsThatDoNotCoverTheChunk(Codec codec) {
    ByteBuf raw = direct(new byte[100]);
    try {
      assertThrows(IllegalArgumentException.class, () -> codec.encode(raw, segments(DType.F32, 99), ALLOC));
      assertThrows(IllegalArgumentException.class, () -> codec.encode(raw, segments(DType.F32, 101), ALLOC));
      assertThrows(IllegalArgumentException.class,
          () -> codec.encode(raw, List.of(new Segment(1, 99, DType.F32)), ALLOC));
      assertEquals(1, raw.refCnt());
    } finally {
      raw.release();
    }
  }

  /** The smallest encoded form of a real chunk for each codec (identity: the chunk itself). */
  static byte[] wireForm(Codec codec, byte[] raw, List<Segment> segs) {
    byte[] enc = encode(codec, raw, segs);
    if (codec instanceof IdentityCodec) {
      return raw;
    }
    assertNotNull(enc, codec + " should shrink the test chunk");
    return enc;
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void everyTruncationFails(Codec codec) {
    byte[] raw = mixed(MIXED);
    byte[] wire = wireForm(codec, raw, MIXED);
    for (int len = 0; len < wire.length; len++) {
      decodeFails(codec, java.util.Arrays.copyOf(wire, len), raw.length, raw.length + SMALL);
    }
    decodeFails(codec, concat(wire, new byte[] {0}), raw.length, raw.length + SMALL);
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void wrongRawLengthFailsWithoutAllocatingIt(Codec codec) {
    byte[] raw = mixed(MIXED);
    byte[] wire = wireForm(codec, raw, MIXED);
    for (int rawLength : new int[] {raw.length - 1, raw.length + 1, raw.length * 2, 0, -1, -raw.length,
        Integer.MIN_VALUE, 64 * MIB, Integer.MAX_VALUE}) {
      decodeFails(codec, wire, rawLength, 0); // rejected before allocating anything
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void corruptBytesFailOrDecodeToTheRightLength(Codec codec) {
    byte[] raw = mixed(MIXED);
    byte[] wire = wireForm(codec, raw, MIXED);
    Random r = new Random(42);
    int failures = 0;
    int trials = 0;
    // every byte of the first 600 (headers, frame headers) with one xor, then random positions
    for (int pos = 0; pos < wire.length; pos += pos < 600 ? 1 : 1 + r.nextInt(40)) {
      byte[] bad = wire.clone();
      bad[pos] ^= (byte) (1 + r.nextInt(255));
      failures += decodeFailsOrKeepsLength(codec, bad, raw.length, raw.length + SMALL) ? 1 : 0;
      trials++;
    }
    // bursts of garbage over random spans
    for (int i = 0; i < 300; i++) {
      byte[] bad = wire.clone();
      int pos = r.nextInt(wire.length);
      int len = 1 + r.nextInt(Math.min(64, wire.length - pos));
      for (int k = 0; k < len; k++) {
        bad[pos + k] = (byte) r.nextInt();
      }
      failures += decodeFailsOrKeepsLength(codec, bad, raw.length, raw.length + SMALL) ? 1 : 0;
      trials++;
    }
    if (!(codec instanceof IdentityCodec)) {
      assertTrue(failures > 0, codec + " detected none of " + trials + " corruptions");
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void garbageFails(Codec codec) {
    if (codec instanceof IdentityCodec) {
      decodeFails(codec, random(100, 1), 101, 0);
      return;
    }
    Random r = new Random(7);
    for (int i = 0; i < 500; i++) {
      int len = r.nextInt(200);
      byte[] junk = random(len, i);
      if (i % 3 == 0 && len >= 4) {
        junk[0] = (byte) 0xff; // huge counts and lengths
        junk[1] = (byte) 0xff;
      }
      decodeFails(codec, junk, 4 * MIB, 4 * MIB + SMALL);
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void isThreadSafe(Codec codec) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            List<Segment> segs =
                segments(DType.BF16, 20_000 + seed, DType.BYTES, 3000 + i, DType.F32, 40_000);
            roundTrip(codec, mixed(segs), segs);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
