package io.shardline.engine.wire;

import io.shardline.engine.codec.CodecId;
import static io.shardline.engine.wire.WireFixtures.bytes;
import static io.shardline.engine.wire.WireFixtures.dataHeader;
import static io.shardline.engine.wire.WireFixtures.frame;
import static io.shardline.engine.wire.WireFixtures.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameDecoder} in an {@link EmbeddedChannel}: frames split at any byte, several per read,
 * a chunk-sized DATA frame, and bad input that goes up once as a {@link ShardlineException} with
 * nothing decoded after it. Every input buffer is released by the decoder; every output by the test.
 */
class FrameDecoderTest {
  static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
  static final int CHUNK = 4 * 1024 * 1024;

  /** Every frame type, DATA frames between the control frames, and the stream's bytes. */
  static final List<Frame> FRAMES = interleave();
  static final byte[] STREAM = wire(FRAMES);

  private static List<Frame> interleave() {
    List<Frame> control = WireFixtures.controlFrames();
    List<Frame.Data> data = WireFixtures.dataFrames();
    List<Frame> out = new ArrayList<>();
    for (int i = 0; i < control.size(); i++) {
      out.add(control.get(i));
      if (i % 4 == 1 && i / 4 < data.size()) {
        out.add(data.get(i / 4));
      }
    }
    return out;
  }

  static EmbeddedChannel channel(int maxFrameLength, ByteBufAllocator alloc) {
    return new EmbeddedChannel(new FrameDecoder(maxFrameLength, alloc));
  }

  static EmbeddedChannel channel() {
    return channel(Protocol.MAX_CONTROL_FRAME, ALLOC);
  }

  /**
   * Writes {@code wire} in pieces that end at each of {@code cuts} (ascending) and at its end;
   * checks the decoder released every piece; returns what came out, in order.
   */
  static List<Object> feed(EmbeddedChannel ch, byte[] wire, int... cuts) {
    List<Object> out = new ArrayList<>();
    int from = 0;
    int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
    ends[cuts.length] = wire.length;
    for (int end : ends) {
      ByteBuf piece = ALLOC.buffer(Math.max(end - from, 1)).writeBytes(wire, from, end - from);
      ch.writeInbound(piece);
      assertEquals(0, piece.refCnt(), "the decoder releases what it reads");
      from = end;
      for (Object o; (o = ch.readInbound()) != null; ) {
        out.add(o);
      }
    }
    return out;
  }

  /** Asserts the decoded frames equal the expected ones, releasing the decoded DATA payloads. */
  static void assertFrames(List<? extends Frame> expected, List<Object> actual) {
    try {
      assertEquals(expected.size(), actual.size(), () -> "decoded " + actual);
      for (int i = 0; i < expected.size(); i++) {
        if (expected.get(i) instanceof Frame.Data e) {
          Frame.Data d = assertInstanceOf(Frame.Data.class, actual.get(i));
          assertEquals(List.of(e.requestId(), e.offset(), e.codec(), e.rawLength(), e.crc()),
              List.of(d.requestId(), d.offset(), d.codec(), d.rawLength(), d.crc()));
          // one bulk copy: element-wise ByteBuf.equals is slow under the paranoid leak detector
          assertArrayEquals(ByteBufUtil.getBytes(e.payload()), ByteBufUtil.getBytes(d.payload()));
          assertTrue(d.payload().isDirect());
          assertEquals(d.rawLength(), d.payload().capacity(), "one exact-size buffer per payload");
          assertEquals(1, d.payload().refCnt(), "the frame's holder owns the only reference");
        } else {
          assertEquals(expected.get(i), actual.get(i));
        }
      }
    } finally {
      releaseAll(actual);
    }
  }

  static void releaseAll(List<Object> decoded) {
    for (Object o : decoded) {
      if (o instanceof Frame.Data d && d.payload().refCnt() > 0) {
        d.release();
      }
    }
  }

  static void assertFinishedClean(EmbeddedChannel ch) {
    assertFalse(ch.finish(), "nothing left unread in the channel");
  }

  /** The error a bad stream produced: the only thing decoded, with nothing after it. */
  static ShardlineException onlyError(List<Object> out, ErrorCode code) {
    try {
      assertEquals(1, out.size(), () -> "expected one error, got " + out);
      ShardlineException e = assertInstanceOf(ShardlineException.class, out.get(0));
      assertEquals(code, e.code(), e::toString);
      return e;
    } finally {
      releaseAll(out);
    }
  }

  // ------------------------------------------------------------------ splitting

  @Test
  void wholeStreamInOneBuffer() {
    EmbeddedChannel ch = channel();
    assertFrames(FRAMES, feed(ch, STREAM));
    assertFinishedClean(ch);
  }

  @Test
  void oneByteAtATime() {
    EmbeddedChannel ch = channel();
    int[] cuts = IntStream.range(1, STREAM.length).toArray();
    assertFrames(FRAMES, feed(ch, STREAM, cuts));
    assertFinishedClean(ch);
  }

  @Test
  void splitInTwoAtEveryByte() {
    for (int cut = 1; cut < STREAM.length; cut++) {
      EmbeddedChannel ch = channel();
      assertFrames(FRAMES, feed(ch, STREAM, cut));
      assertFinishedClean(ch);
    }
  }

  @Test
  void randomSplits() {
    SplittableRandom random = new SplittableRandom(0x5EED_F4A3EL);
    for (int trial = 0; trial < 200; trial++) {
      int[] cuts = random.ints(random.nextInt(1, 40), 1, STREAM.length).sorted().distinct().toArray();
      EmbeddedChannel ch = channel();
      assertFrames(FRAMES, feed(ch, STREAM, cuts));
      assertFinishedClean(ch);
    }
  }

  @Test
  void emptyReadsAreHarmless() {
    EmbeddedChannel ch = channel();
    assertFrames(FRAMES, feed(ch, STREAM, 0, 0, 7, 7, STREAM.length));
    assertFinishedClean(ch);
  }

  @Test
  void chunkSizedDataFrame() {
    byte[] payload = bytes(CHUNK, 4);
    Frame.Data expected = new Frame.Data(3, 5L * CHUNK, CodecId.IDENTITY, CHUNK,
        Crc32c.of(payload, 0, CHUNK), Unpooled.wrappedBuffer(payload));
    byte[] w = wire(List.of(new Frame.ListEnd(1, 1, CHUNK), expected, new Frame.ListEnd(2, 0, 0)));
    int max = Protocol.maxServerFrame(CHUNK);

    EmbeddedChannel whole = channel(max, ALLOC);
    assertFrames(List.of(new Frame.ListEnd(1, 1, CHUNK), expected, new Frame.ListEnd(2, 0, 0)), feed(whole, w));
    assertFinishedClean(whole);

    // as TCP would deliver it: 64 KiB reads at an odd phase
    EmbeddedChannel reads = channel(max, ALLOC);
    int[] cuts = IntStream.iterate(1_000, c -> c < w.length, c -> c + 65_536).toArray();
    List<Object> out = feed(reads, w, cuts);
    Frame.Data got = assertInstanceOf(Frame.Data.class, out.get(1));
    assertEquals(expected.crc(), Crc32c.of(got.payload()));
    assertFrames(List.of(new Frame.ListEnd(1, 1, CHUNK), expected, new Frame.ListEnd(2, 0, 0)), out);
    assertFinishedClean(reads);
  }

  @Test
  void nonBufferMessagesPassThrough() {
    EmbeddedChannel ch = channel();
    ch.writeInbound("not bytes");
    assertEquals("not bytes", ch.readInbound());
    assertFinishedClean(ch);
  }

  // ------------------------------------------------------------------ bad input

  /** A valid frame to send after a bad one: it must never come out. */
  static final byte[] AFTER = wire(new Frame.ListEnd(9, 9, 9));

  /** The readable bytes of {@code buf}, which is released. */
  static byte[] take(ByteBuf buf) {
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  static byte[] prefix(long length, int typeId) {
    return ByteBuffer.allocate(5).putInt((int) length).put((byte) typeId).array();
  }

  /** Feeds {@code bad} then a valid frame (in the same read and in a later one). */
  static ShardlineException failsWith(int maxFrameLength, ByteBufAllocator alloc, byte[] bad, ErrorCode code) {
    EmbeddedChannel ch = channel(maxFrameLength, alloc);
    byte[] w = Arrays.copyOf(bad, bad.length + AFTER.length);
    System.arraycopy(AFTER, 0, w, bad.length, AFTER.length);
    ShardlineException e = onlyError(feed(ch, w), code);
    assertEquals(List.of(), feed(ch, AFTER), "nothing is decoded after an error");
    assertFinishedClean(ch);
    return e;
  }

  @Test
  void frameOverTheLimitFailsBeforeAnythingIsAllocated() {
    TrackingAllocator counting = new TrackingAllocator();
    for (long length : new long[] {Protocol.MAX_CLIENT_FRAME + 1L, 1L << 31, 0xFFFF_FFFFL}) {
      failsWith(Protocol.MAX_CLIENT_FRAME, counting, prefix(length, FrameType.GET.id()), ErrorCode.FRAME_TOO_LARGE);
      failsWith(Protocol.MAX_CLIENT_FRAME, counting, prefix(length, FrameType.DATA.id()), ErrorCode.FRAME_TOO_LARGE);
    }
    assertEquals(0, counting.allocated.size());
    // a whole oversized frame, its prefix split byte by byte: one error, the rest discarded
    EmbeddedChannel ch = channel(Protocol.MAX_CLIENT_FRAME, ALLOC);
    byte[] w = take(frame(FrameType.LIST, b -> b.writeZero(Protocol.MAX_CLIENT_FRAME)));
    onlyError(feed(ch, w, 1, 2, 3, 4, 5, 6, 1000, w.length - 1), ErrorCode.FRAME_TOO_LARGE);
    assertEquals(List.of(), feed(ch, AFTER));
    assertFinishedClean(ch);
  }

  @Test
  void frameExactlyAtTheLimitIsDecoded() {
    // a LIST whose path fills the frame to exactly maxFrameLength
    int max = 64;
    int pathBytes = max - 1 - 4 - 4 - 2 - 1; // type, request id, chunk size, path length, flags (v4)
    Frame.List list = new Frame.List(1, 4096, "p".repeat(pathBytes));
    EmbeddedChannel ch = channel(max, ALLOC);
    assertFrames(List.of(list), feed(ch, wire(list)));
    assertFinishedClean(ch);
    failsWith(max, ALLOC, wire(new Frame.List(1, 4096, "p".repeat(pathBytes + 1))), ErrorCode.FRAME_TOO_LARGE);
  }

  /** A SETTINGS body: {@code count} then {@code pairs} (id, value) pairs. */
  static byte[] settings(int count, int pairs, int extraBytes) {
    ByteBuffer b = ByteBuffer.allocate(5 + 2 + pairs * 10 + extraBytes);
    b.putInt(1 + 2 + pairs * 10 + extraBytes).put((byte) FrameType.SETTINGS.id()).putShort((short) count);
    for (int i = 0; i < pairs; i++) {
      b.putShort((short) (i + 1)).putLong(1000L * i);
    }
    return b.array();
  }

  @Test
  void settingsFramesDecode() {
    EmbeddedChannel ch = channel(Protocol.MAX_CLIENT_FRAME, ALLOC);
    assertEquals(List.of(new Frame.Settings(List.of(new Frame.Settings.Setting(1, 0), new Frame.Settings.Setting(2, 1000))),
        new Frame.Settings(List.of())), feed(ch, concat(settings(2, 2, 0), settings(0, 0, 0))));
    assertFinishedClean(ch);
  }

  @Test
  void settingsOneByteShortTooLongOrWithABadCountFail() {
    int max = Protocol.MAX_CLIENT_FRAME;
    byte[] full = settings(2, 2, 0);
    byte[] oneShort = Arrays.copyOf(full, full.length - 1);
    ByteBuffer.wrap(oneShort).putInt(0, full.length - 1 - 4);
    failsWith(max, ALLOC, oneShort, ErrorCode.SHORT_FRAME);
    byte[] noCount = {0, 0, 0, 2, (byte) FrameType.SETTINGS.id(), 0};
    failsWith(max, ALLOC, noCount, ErrorCode.SHORT_FRAME);
    failsWith(max, ALLOC, settings(3, 2, 0), ErrorCode.SHORT_FRAME); // count says more pairs than there are
    failsWith(max, ALLOC, settings(2, 2, 1), ErrorCode.MALFORMED_FRAME); // one byte too long
    failsWith(max, ALLOC, settings(1, 2, 0), ErrorCode.MALFORMED_FRAME); // count says fewer pairs than there are
    failsWith(max, ALLOC, settings(Frame.Settings.MAX_VALUES + 1, Frame.Settings.MAX_VALUES + 1, 0),
        ErrorCode.MALFORMED_FRAME); // over the pair limit
    byte[] negative = settings(1, 1, 0);
    ByteBuffer.wrap(negative).putLong(5 + 2 + 2, -1);
    failsWith(max, ALLOC, negative, ErrorCode.MALFORMED_FRAME);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void unknownTypeFails() {
    failsWith(Protocol.MAX_CONTROL_FRAME, ALLOC, prefix(1, 0x7F), ErrorCode.UNKNOWN_FRAME);
    failsWith(Protocol.MAX_CONTROL_FRAME, ALLOC, prefix(100, 0x00), ErrorCode.UNKNOWN_FRAME);
  }

  @Test
  void zeroLengthFrameIsMalformed() {
    failsWith(Protocol.MAX_CONTROL_FRAME, ALLOC, prefix(0, FrameType.HELLO.id()), ErrorCode.MALFORMED_FRAME);
  }

  @Test
  void dataFrameTooShortForItsHeaderFailsOnItsPrefix() {
    for (int body = 0; body < Protocol.DATA_HEADER_BYTES; body++) {
      // only the prefix is sent: the error does not wait for the (too short) body
      failsWith(Protocol.MAX_CONTROL_FRAME, ALLOC, prefix(1 + body, FrameType.DATA.id()), ErrorCode.SHORT_FRAME);
    }
  }

  @Test
  void malformedBodiesFailAndAreReleased() {
    TrackingAllocator tracking = new TrackingAllocator();
    ByteBuf badMagic = FrameCodec.encode(new Frame.Hello(1, 0, "t", 1, 0), ALLOC);
    badMagic.setInt(Protocol.PREFIX_BYTES, 0x48545450);
    failsWith(Protocol.MAX_CONTROL_FRAME, tracking, take(badMagic), ErrorCode.MALFORMED_FRAME);

    byte[] badCodec = take(frame(FrameType.DATA, b -> {
      dataHeader(b, 1, 0, 9, 100, 0);
      b.writeZero(100);
    }));
    failsWith(Protocol.MAX_CONTROL_FRAME, tracking, badCodec, ErrorCode.MALFORMED_FRAME);

    byte[] shortControl = take(frame(FrameType.LIST_END, b -> b.writeZero(3)));
    failsWith(Protocol.MAX_CONTROL_FRAME, tracking, shortControl, ErrorCode.SHORT_FRAME);

    assertEquals(3, tracking.allocated.size(), "one body buffer per frame");
    tracking.assertAllReleased();
  }

  @Test
  void closingMidFrameReleasesThePartialBody() {
    byte[] list = wire(new Frame.List(1, 4096, "some/path"));
    Frame.Data data = WireFixtures.heapData(2, 0, 1000);
    byte[] dataWire = wire(data);
    TrackingAllocator tracking = new TrackingAllocator();

    EmbeddedChannel ch = channel(Protocol.MAX_CONTROL_FRAME, tracking);
    assertEquals(List.of(), feed(ch, Arrays.copyOf(list, list.length - 1)));
    assertEquals(1, tracking.allocated.get(0).refCnt(), "the body is being filled");
    assertFinishedClean(ch);

    EmbeddedChannel ch2 = channel(Protocol.MAX_CONTROL_FRAME, tracking);
    assertEquals(List.of(), feed(ch2, Arrays.copyOf(dataWire, dataWire.length - 500)));
    assertEquals(1, tracking.allocated.get(1).refCnt(), "the payload is being filled");
    assertFinishedClean(ch2);

    assertEquals(2, tracking.allocated.size());
    tracking.assertAllReleased();
  }

  @Test
  void constructorRejectsATinyLimit() {
    assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(63, ALLOC));
  }

  /** Keeps every buffer it hands out, so a test can count allocations and check releases. */
  static final class TrackingAllocator extends AbstractByteBufAllocator {
    final List<ByteBuf> allocated = new ArrayList<>();

    TrackingAllocator() {
      super(true);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
      allocated.add(b);
      return b;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
      allocated.add(b);
      return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    void assertAllReleased() {
      for (ByteBuf b : allocated) {
        assertEquals(0, b.refCnt(), () -> "not released: " + b);
      }
    }
  }
}
