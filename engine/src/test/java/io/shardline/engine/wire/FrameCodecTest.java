package io.shardline.engine.wire;

import io.shardline.engine.codec.CodecId;
import io.shardline.engine.delta.SegmentIndex;
import static io.shardline.engine.wire.WireFixtures.ALLOC;
import static io.shardline.engine.wire.WireFixtures.bytes;
import static io.shardline.engine.wire.WireFixtures.dataHeader;
import static io.shardline.engine.wire.WireFixtures.frame;
import static io.shardline.engine.wire.WireFixtures.pooled;
import static io.shardline.engine.wire.WireFixtures.string;
import static io.shardline.engine.wire.WireFixtures.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FrameCodec}: every frame type round-trips; every short, oversized or malformed input
 * fails with its own {@link ErrorCode}; no buffer outlives its test (each one the test creates is
 * released to refCnt 0, which also proves DATA payload slices were released).
 */
class FrameCodecTest {
  static final int MAX = Protocol.MAX_CONTROL_FRAME;

  static List<Frame> controlFrames() {
    return WireFixtures.controlFrames();
  }

  /** (frame, its wire bytes) for every frame, DATA included. */
  static Stream<Arguments> wireForms() {
    return WireFixtures.allFrames().stream().map(f -> Arguments.of(f, wire(f)));
  }

  /** Decodes {@code buf} expecting {@code code}; releases {@code buf} and checks nothing retained it. */
  static ShardlineException decodeFails(ByteBuf buf, ErrorCode code) {
    return fails(buf, code, () -> FrameCodec.decode(buf, MAX));
  }

  /** Decodes {@code body} as a {@code type} body expecting {@code code}; releases it likewise. */
  static ShardlineException decodeBodyFails(FrameType type, ByteBuf body, ErrorCode code) {
    return fails(body, code, () -> FrameCodec.decodeBody(type, body));
  }

  private static ShardlineException fails(ByteBuf buf, ErrorCode code, Runnable decode) {
    try {
      ShardlineException e = assertThrows(ShardlineException.class, decode::run);
      assertEquals(code, e.code(), e::toString);
      return e;
    } finally {
      assertTrue(buf.release(), "a slice of the input is still retained");
    }
  }

  // ------------------------------------------------------------------ round trips

  @Test
  void fixturesCoverEveryFrameType() {
    EnumSet<FrameType> seen = EnumSet.noneOf(FrameType.class);
    WireFixtures.allFrames().forEach(f -> seen.add(f.type()));
    assertEquals(EnumSet.allOf(FrameType.class), seen);
  }

  @ParameterizedTest
  @MethodSource("controlFrames")
  void controlFrameRoundTrips(Frame f) {
    ByteBuf buf = FrameCodec.encode(f, ALLOC);
    try {
      assertEquals(buf.readableBytes() - 4, buf.getInt(0), "length prefix counts type + body");
      assertEquals(f.type().id(), buf.getUnsignedByte(4));
      assertEquals(f, FrameCodec.decode(buf, MAX));
      assertFalse(buf.isReadable());
    } finally {
      assertTrue(buf.release());
    }
  }

  @ParameterizedTest
  @MethodSource("controlFrames")
  void controlFrameBodyRoundTrips(Frame f) {
    ByteBuf buf = FrameCodec.encode(f, ALLOC);
    try {
      buf.skipBytes(Protocol.PREFIX_BYTES);
      assertEquals(f, FrameCodec.decodeBody(f.type(), buf));
      assertFalse(buf.isReadable());
    } finally {
      assertTrue(buf.release());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4096 + 3})
  void dataRoundTripsAndEveryoneReleases(int n) {
    ByteBuf payload = ALLOC.directBuffer(n).writeBytes(bytes(n, n));
    Frame.Data d = new Frame.Data(9, 1L << 33, CodecId.IDENTITY, n, Crc32c.of(payload), payload);
    ByteBuf encoded = FrameCodec.encode(d, ALLOC);
    assertEquals(2, payload.refCnt(), "the encoded frame holds its own reference to the payload");
    assertEquals(Protocol.PREFIX_BYTES + Protocol.DATA_HEADER_BYTES + n, encoded.readableBytes());
    assertEquals(1 + Protocol.DATA_HEADER_BYTES + n, encoded.getInt(0));

    Frame.Data back = assertInstanceOf(Frame.Data.class, FrameCodec.decode(encoded, MAX));
    assertEquals(d, back); // record equality compares payload contents
    assertEquals(Crc32c.of(payload), Crc32c.of(back.payload()));
    back.release();
    assertTrue(encoded.release(), "the decoded payload was a slice of the frame; both released");
    assertEquals(1, payload.refCnt());
    d.release();
    assertEquals(0, payload.refCnt());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 300})
  void dataBodyRoundTripsAsARetainedSlice(int n) {
    Frame.Data d = WireFixtures.heapData(5, 77, n);
    ByteBuf body = pooled(wire(d), Protocol.PREFIX_BYTES + Protocol.DATA_HEADER_BYTES + n)
        .skipBytes(Protocol.PREFIX_BYTES);
    Frame.Data back = assertInstanceOf(Frame.Data.class, FrameCodec.decodeBody(FrameType.DATA, body));
    assertEquals(d, back);
    assertEquals(2, body.refCnt(), "the payload retains the body");
    assertFalse(body.release());
    back.release();
    assertEquals(0, body.refCnt());
  }

  @Test
  void errorCodesRoundTripAndUnknownOnesBecomeInternal() {
    for (ErrorCode code : ErrorCode.values()) {
      assertEquals(code, ErrorCode.of(code.code()));
    }
    ByteBuf buf = frame(FrameType.ERROR, b -> {
      b.writeInt(4).writeShort(12345);
      string(b, "from a newer peer");
    });
    try {
      assertEquals(new Frame.Error(4, ErrorCode.INTERNAL, "from a newer peer"), FrameCodec.decode(buf, MAX));
    } finally {
      assertTrue(buf.release());
    }
  }

  @Test
  void longErrorMessagesAreCutToFitTheFrame() {
    String message = "é".repeat(5000); // 10000 UTF-8 bytes, over MAX_MESSAGE
    ByteBuf buf = FrameCodec.encode(new Frame.Error(1, ErrorCode.IO_ERROR, message), ALLOC);
    try {
      Frame.Error back = assertInstanceOf(Frame.Error.class, FrameCodec.decode(buf, MAX));
      assertEquals(message.substring(0, Protocol.MAX_MESSAGE / 4), back.message());
    } finally {
      assertTrue(buf.release());
    }
  }

  @Test
  void encodingRefusesStringsOverTheirLimit() {
    assertThrows(IllegalArgumentException.class,
        () -> FrameCodec.encode(new Frame.Hello(1, 0, "t".repeat(Protocol.MAX_TOKEN + 1), 1, 0), ALLOC));
    assertThrows(IllegalArgumentException.class,
        () -> FrameCodec.encode(new Frame.Get(1, "p".repeat(Protocol.MAX_PATH + 1), 0, 1, 1), ALLOC));
    // the half-written buffer is released: LeakGuard fails the class otherwise
  }

  // ------------------------------------------------------------------ truncation

  @ParameterizedTest
  @MethodSource("wireForms")
  void everyTruncatedFrameIsShort(Frame f, byte[] wire) {
    for (int length = 0; length < wire.length; length++) {
      ShardlineException e = decodeFails(pooled(wire, length), ErrorCode.SHORT_FRAME);
      assertFalse(e.getMessage().isEmpty());
    }
  }

  /**
   * Each shorter prefix of the body, decoded as a body. Every field is length-checked, so all
   * fail as SHORT_FRAME, except a DATA body whose header is complete: the payload is then
   * shorter than the header's raw length says, which the codec reports as MALFORMED_FRAME.
   */
  @ParameterizedTest
  @MethodSource("wireForms")
  void everyTruncatedBodyFails(Frame f, byte[] wire) {
    int bodyLength = wire.length - Protocol.PREFIX_BYTES;
    for (int cut = 0; cut < bodyLength; cut++) {
      ByteBuf body = ALLOC.buffer(Math.max(cut, 1)).writeBytes(wire, Protocol.PREFIX_BYTES, cut);
      ErrorCode expected = f.type() == FrameType.DATA && cut >= Protocol.DATA_HEADER_BYTES
          ? ErrorCode.MALFORMED_FRAME : ErrorCode.SHORT_FRAME;
      decodeBodyFails(f.type(), body, expected);
    }
  }

  @Test
  void dataFrameTooShortForItsHeaderIsShort() {
    for (int bodyLength = 0; bodyLength < Protocol.DATA_HEADER_BYTES; bodyLength++) {
      int n = bodyLength;
      decodeFails(frame(FrameType.DATA, b -> b.writeZero(n)), ErrorCode.SHORT_FRAME);
    }
  }

  // ------------------------------------------------------------------ prefix: length and type

  @Test
  void oversizedFrameFailsOnItsPrefixAlone() {
    // Only the prefix is there: FRAME_TOO_LARGE rather than SHORT_FRAME shows the length is
    // judged before the body is looked for (the streaming decoder allocates nothing either).
    for (long length : new long[] {MAX + 1L, 1L << 31, 0xFFFF_FFFFL}) {
      decodeFails(ALLOC.buffer(5).writeInt((int) length).writeByte(FrameType.LIST.id()), ErrorCode.FRAME_TOO_LARGE);
    }
    // ...and before the type: an oversized frame of an unknown type is still "too large"
    decodeFails(ALLOC.buffer(5).writeInt(MAX + 1).writeByte(0xEE), ErrorCode.FRAME_TOO_LARGE);
  }

  @Test
  void frameExactlyAtTheLimitIsAccepted() {
    byte[] w = wire(new Frame.List(1, Protocol.MIN_CHUNK, "models"));
    int length = w.length - 4;
    ByteBuf ok = pooled(w, w.length);
    try {
      assertEquals(new Frame.List(1, Protocol.MIN_CHUNK, "models"), FrameCodec.decode(ok, length));
    } finally {
      assertTrue(ok.release());
    }
    ByteBuf over = pooled(w, w.length);
    fails(over, ErrorCode.FRAME_TOO_LARGE, () -> FrameCodec.decode(over, length - 1));
  }

  @Test
  void zeroLengthFrameIsMalformed() {
    decodeFails(ALLOC.buffer(5).writeInt(0).writeByte(FrameType.HELLO.id()), ErrorCode.MALFORMED_FRAME);
  }

  @Test
  void everyUnknownTypeByteIsUnknownFrame() {
    int unknown = 0;
    for (int id = 0; id < 256; id++) {
      if (FrameType.of(id) != null) {
        continue;
      }
      unknown++;
      int typeId = id;
      // with an empty body, and announcing a body that is not there: the type is judged first
      decodeFails(frame(typeId, b -> { }), ErrorCode.UNKNOWN_FRAME);
      decodeFails(ALLOC.buffer(5).writeInt(100).writeByte(typeId), ErrorCode.UNKNOWN_FRAME);
    }
    assertEquals(256 - FrameType.values().length, unknown);
  }

  // ------------------------------------------------------------------ malformed fields

  @Test
  void helloWithBadMagicIsMalformed() {
    ByteBuf buf = FrameCodec.encode(new Frame.Hello(Protocol.VERSION, 0, "t", 1, 0), ALLOC);
    buf.setInt(Protocol.PREFIX_BYTES, 0x48545450); // "HTTP": someone else's protocol
    ShardlineException e = decodeFails(buf, ErrorCode.MALFORMED_FRAME);
    assertTrue(e.getMessage().contains("magic"), e::getMessage);
  }

  /** Frames whose single string field is "abcd", and where that string's bytes start. */
  static Stream<Arguments> framesWithAString() {
    return Stream.of(
        Arguments.of(new Frame.Hello(1, 0, "abcd", 7, 0), 5 + 4 + 2 + 2 + 2),
        Arguments.of(new Frame.Welcome(1, "abcd"), 5 + 2 + 2),
        Arguments.of(new Frame.Error(1, ErrorCode.BUSY, "abcd"), 5 + 4 + 2 + 2),
        Arguments.of(new Frame.List(1, 4096, "abcd"), 5 + 4 + 4 + 2),
        Arguments.of(new Frame.Get(1, "abcd", 0, 1, 0x87), 5 + 4 + 2));
  }

  @ParameterizedTest
  @MethodSource("framesWithAString")
  void invalidUtf8IsMalformed(Frame f, int stringOffset) {
    byte[][] invalid = {
        {(byte) 0xC3, 0x28, 'a', 'b'},              // lead byte without continuation
        {(byte) 0xC0, (byte) 0x80, 'a', 'b'},       // overlong NUL
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80, 'a'}, // UTF-16 surrogate
        {'a', 'b', 'c', (byte) 0xE2},               // sequence cut by the end of the string
        {(byte) 0xFF, 'a', 'b', 'c'},               // never valid
    };
    for (byte[] bad : invalid) {
      ByteBuf buf = FrameCodec.encode(f, ALLOC);
      assertEquals("abcd", buf.toString(stringOffset, 4, StandardCharsets.UTF_8));
      buf.setBytes(stringOffset, bad);
      ShardlineException e = decodeFails(buf, ErrorCode.MALFORMED_FRAME);
      assertTrue(e.getMessage().contains("UTF-8"), e::getMessage);
    }
  }

  @Test
  void stringLongerThanItsLimitIsMalformedEvenWhenPresent() {
    ByteBuf hello = frame(FrameType.HELLO, b -> {
      b.writeInt(Protocol.MAGIC).writeShort(1).writeShort(0);
      string(b, "t".repeat(Protocol.MAX_TOKEN + 1));
    });
    decodeFails(hello, ErrorCode.MALFORMED_FRAME);
    ByteBuf get = frame(FrameType.GET, b -> {
      b.writeInt(1);
      string(b, "p".repeat(Protocol.MAX_PATH + 1));
      b.writeLong(0).writeInt(1);
    });
    decodeFails(get, ErrorCode.MALFORMED_FRAME);
  }

  @ParameterizedTest
  @MethodSource("controlFrames")
  void trailingBytesAreMalformed(Frame f) {
    ByteBuf buf = FrameCodec.encode(f, ALLOC);
    buf.writeByte(0);
    buf.setInt(0, buf.getInt(0) + 1);
    decodeFails(buf, ErrorCode.MALFORMED_FRAME);

    ByteBuf body = FrameCodec.encode(f, ALLOC).skipBytes(Protocol.PREFIX_BYTES).writeByte(0);
    decodeBodyFails(f.type(), body, ErrorCode.MALFORMED_FRAME);
  }

  // ------------------------------------------------------------------ v6 delta frames

  @Test
  void aGetRangeOfNothingOrMoreThanAChunkIsABadRequest() {
    for (long length : new long[] {0, Protocol.MAX_CHUNK + 1L, -1}) {
      ByteBuf buf = frame(FrameType.GET_RANGE, b -> {
        b.writeInt(1);
        string(b, "a.bin");
        b.writeLong(0).writeInt((int) length).writeLong(7); // v7: the version
      });
      decodeFails(buf, ErrorCode.BAD_REQUEST);
    }
  }

  @Test
  void segmentsOfANegativeRangeAreABadRequest() {
    for (long[] r : new long[][] {{-1, 5}, {5, -1}, {Long.MAX_VALUE, 2}}) {
      ByteBuf buf = frame(FrameType.SEGMENTS, b -> {
        b.writeInt(1);
        string(b, "a.bin");
        b.writeLong(r[0]).writeLong(r[1]).writeLong(7); // v7: the version
      });
      decodeFails(buf, ErrorCode.BAD_REQUEST);
    }
  }

  @Test
  void aSegmentListCutShortIsShortAndOneOverItsCountIsMalformed() {
    ByteBuf whole = FrameCodec.encode(new Frame.SegmentList(3, SegmentIndex.of(bytes(200_000, 4))), ALLOC);
    try {
      int body = whole.readableBytes() - Protocol.PREFIX_BYTES;
      for (int cut : new int[] {1, 11, 12}) { // into the last segment, the count, the start
        ByteBuf shorter = ALLOC.buffer().writeBytes(whole, 0, whole.readableBytes() - cut);
        shorter.setInt(0, body + 1 - cut);
        decodeFails(shorter, ErrorCode.SHORT_FRAME);
      }
    } finally {
      whole.release();
    }
    ByteBuf huge = frame(FrameType.SEGMENT_LIST, b -> b.writeInt(1).writeLong(0).writeInt(1 << 20));
    decodeFails(huge, ErrorCode.MALFORMED_FRAME);
  }

  // ------------------------------------------------------------------ DATA

  @ParameterizedTest
  @ValueSource(ints = {0, 99, 101, -1, Integer.MAX_VALUE})
  void dataWhoseRawLengthIsNotItsPayloadIsMalformed(int rawLength) {
    ByteBuf buf = frame(FrameType.DATA, b -> {
      dataHeader(b, 1, 0, CodecId.IDENTITY.wire(), rawLength, 0);
      b.writeBytes(bytes(100, 1));
    });
    decodeFails(buf, ErrorCode.MALFORMED_FRAME);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 127, 255})
  void dataWithUnknownCodecIsMalformed(int codec) {
    ByteBuf buf = frame(FrameType.DATA, b -> {
      dataHeader(b, 1, 0, codec, 10, 0);
      b.writeZero(10);
    });
    ShardlineException e = decodeFails(buf, ErrorCode.MALFORMED_FRAME);
    assertTrue(e.getMessage().contains("codec"), e::getMessage);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2}) // zstd, planes
  void encodedDataMustBeSmallerThanItsRawLength(int codec) {
    ByteBuf same = frame(FrameType.DATA, b -> {
      dataHeader(b, 1, 0, codec, 10, 0);
      b.writeZero(10);
    });
    decodeFails(same, ErrorCode.MALFORMED_FRAME);
    ByteBuf smaller = frame(FrameType.DATA, b -> {
      dataHeader(b, 1, 0, codec, 10, 0);
      b.writeZero(4);
    });
    Frame.Data d = (Frame.Data) FrameCodec.decode(smaller, Protocol.MAX_CONTROL_FRAME);
    try {
      assertEquals(codec, d.codec());
      assertEquals(10, d.rawLength());
      assertEquals(4, d.payload().readableBytes());
    } finally {
      d.release();
      smaller.release();
    }
  }

  @Test
  void dataAtNegativeOffsetIsMalformed() {
    ByteBuf buf = frame(FrameType.DATA, b -> {
      dataHeader(b, 1, -4096, CodecId.IDENTITY.wire(), 10, 0);
      b.writeZero(10);
    });
    decodeFails(buf, ErrorCode.MALFORMED_FRAME);
  }

  @Test
  void dataTakesOwnershipOfThePayloadAndReleasesItWhenTheHeaderIsBad() {
    ByteBuf header = ALLOC.buffer();
    dataHeader(header, 1, 0, 7, 3, 0);
    ByteBuf payload = ALLOC.buffer(3).writeBytes(new byte[] {1, 2, 3});
    ShardlineException e = assertThrows(ShardlineException.class, () -> FrameCodec.data(header, payload));
    assertEquals(ErrorCode.MALFORMED_FRAME, e.code());
    assertEquals(0, payload.refCnt());

    ByteBuf shortHeader = ALLOC.buffer().writeZero(Protocol.DATA_HEADER_BYTES - 1);
    ByteBuf payload2 = ALLOC.buffer(1).writeByte(1);
    e = assertThrows(ShardlineException.class, () -> FrameCodec.data(shortHeader, payload2));
    assertEquals(ErrorCode.SHORT_FRAME, e.code());
    assertEquals(0, payload2.refCnt());
    assertTrue(header.release());
    assertTrue(shortHeader.release());
  }

  // ------------------------------------------------------------------ ENTRY

  /** An ENTRY body with every field given (CRCs written as {@code crcsWritten} zeros). */
  static ByteBuf entry(long size, int chunkSize, int count, int crcsWritten) {
    return entry(size, chunkSize, count, 0, (4 + 32) * crcsWritten + 32);
  }

  /** An ENTRY body with its flags (v4) and {@code sumBytes} zero bytes of CRCs and root after them. */
  static ByteBuf entry(long size, int chunkSize, int count, int flags, int sumBytes) {
    return frame(FrameType.ENTRY, b -> {
      b.writeInt(1);
      string(b, "a/b.bin");
      string(b, "b.bin");
      b.writeLong(size).writeLong(0).writeInt(chunkSize).writeInt(count).writeByte(flags);
      b.writeZero(sumBytes);
    });
  }

  @Test
  void aStreamedEntryCarriesNoSumsAndDecodesAsStreamed() {
    ByteBuf buf = entry(10_000, 4096, 3, 1, 0);
    try {
      FileManifest m = assertInstanceOf(Frame.Entry.class, FrameCodec.decode(buf, MAX)).file();
      assertTrue(m.streamed());
      assertEquals(3, m.chunkCount());
      assertEquals(10_000, m.size());
    } finally {
      assertTrue(buf.release());
    }
    ShardlineException e = decodeFails(entry(10_000, 4096, 3, 1, 3 * 36 + 32), ErrorCode.MALFORMED_FRAME);
    assertTrue(e.getMessage().contains("trailing"), e::getMessage); // a streamed ENTRY has no sums to send
  }

  @Test
  void unknownListAndEntryFlagsAreMalformed() {
    for (int flags : new int[] {2, 0x80, 0xFF}) {
      ShardlineException e = decodeFails(entry(10_000, 4096, 3, flags, 3 * 4 + 32), ErrorCode.MALFORMED_FRAME);
      assertTrue(e.getMessage().contains("flags"), e::getMessage);
      ByteBuf list = FrameCodec.encode(new Frame.List(1, 4096, "a"), ALLOC);
      list.setByte(list.writerIndex() - 1, flags);
      e = decodeFails(list, ErrorCode.MALFORMED_FRAME);
      assertTrue(e.getMessage().contains("flags"), e::getMessage);
    }
  }

  @Test
  void entryAsBuiltByTheHelperDecodes() {
    ByteBuf buf = entry(10_000, 4096, 3, 3);
    try {
      Frame.Entry e = assertInstanceOf(Frame.Entry.class, FrameCodec.decode(buf, MAX));
      assertEquals(3, e.file().chunkCount());
    } finally {
      assertTrue(buf.release());
    }
  }

  @Test
  void entryWhoseCrcCountDoesNotMatchItsSizeIsMalformed() {
    // 10000 bytes in 4096-byte chunks needs 3 CRCs
    for (int count : new int[] {0, 2, 4}) {
      ShardlineException e = decodeFails(entry(10_000, 4096, count, count), ErrorCode.MALFORMED_FRAME);
      assertTrue(e.getMessage().contains("needs 3"), e::getMessage);
    }
    decodeFails(entry(0, 4096, 1, 1), ErrorCode.MALFORMED_FRAME);
    decodeFails(entry(4096, 4096, 2, 2), ErrorCode.MALFORMED_FRAME);
    decodeFails(entry(Long.MAX_VALUE, 4096, 0, 0), ErrorCode.MALFORMED_FRAME);
  }

  @Test
  void entryWithImpossibleFieldsIsMalformed() {
    decodeFails(entry(-1, 4096, 0, 0), ErrorCode.MALFORMED_FRAME);
    decodeFails(entry(100, Protocol.MIN_CHUNK - 1, 1, 1), ErrorCode.MALFORMED_FRAME);
    decodeFails(entry(100, Protocol.MAX_CHUNK + 1, 1, 1), ErrorCode.MALFORMED_FRAME);
    decodeFails(entry(100, 0, 1, 1), ErrorCode.MALFORMED_FRAME);
    decodeFails(entry(100, 4096, -1, 0), ErrorCode.MALFORMED_FRAME);
  }

  @Test
  void entryAnnouncingAHugeConsistentCrcCountIsRefusedWithoutAllocatingIt() {
    // 4 TiB in 4 KiB chunks: 2^30 CRCs and hashes (36 GiB, over this JVM's heap), more than an ENTRY may list
    ShardlineException e = decodeFails(entry(4096L << 30, 4096, 1 << 30, 0), ErrorCode.MALFORMED_FRAME);
    assertTrue(e.getMessage().contains("more than " + Protocol.MAX_ENTRY_CHUNKS), e::getMessage);
    // the most an ENTRY may list, announced but not there: short, nothing allocated first
    int most = Protocol.MAX_ENTRY_CHUNKS;
    decodeFails(entry(4096L * most, 4096, most, 0), ErrorCode.SHORT_FRAME);
  }

  @Test
  void aCompleteEntryWithoutItsChunkHashesIsShort() {
    // a v5 ENTRY (CRCs and root, no hashes) read as v6
    ShardlineException e = decodeFails(entry(10_000, 4096, 3, 0, 3 * 4 + 32), ErrorCode.SHORT_FRAME);
    assertTrue(e.getMessage().contains("ENTRY"), e::getMessage);
  }

  @Test
  void entryKeepsEveryManifestField() {
    FileManifest m = WireFixtures.manifest(5 * 65536L + 1, 65536);
    ByteBuf buf = FrameCodec.encode(new Frame.Entry(8, m), ALLOC);
    try {
      FileManifest back = assertInstanceOf(Frame.Entry.class, FrameCodec.decode(buf, MAX)).file();
      assertEquals(m.path(), back.path());
      assertEquals(m.name(), back.name());
      assertEquals(m.size(), back.size());
      assertEquals(m.mtimeMillis(), back.mtimeMillis());
      assertEquals(m.chunkSize(), back.chunkSize());
      assertArrayEquals(m.chunkCrcs(), back.chunkCrcs());
      assertArrayEquals(m.root(), back.root());
    } finally {
      assertTrue(buf.release());
    }
  }

  // ------------------------------------------------------------------ GET

  @ParameterizedTest
  @MethodSource("badRanges")
  void getOutsideLimitsIsABadRequest(long offset, int length) {
    ByteBuf buf = frame(FrameType.GET, b -> {
      b.writeInt(1);
      string(b, "a.bin");
      b.writeLong(offset).writeInt(length).writeByte(1).writeLong(7); // v7: the version
    });
    decodeFails(buf, ErrorCode.BAD_REQUEST);
  }

  static Stream<Arguments> badRanges() {
    return Stream.of(
        Arguments.of(-1L, 4096),
        Arguments.of(Long.MIN_VALUE, 4096),
        Arguments.of(0L, -1),
        Arguments.of(0L, Protocol.MAX_CHUNK + 1));
  }

  @Test
  void wireFormsAreStable() {
    // Hand-written bytes for one frame: a change of layout shows up here, not only in a peer.
    byte[] expected = ByteBufUtil.decodeHexDump("00000011" + "12" + "00000005" + "00000002" + "0000000000003064");
    assertArrayEquals(expected, wire(new Frame.ListEnd(5, 2, 12_388L)));
  }
}
