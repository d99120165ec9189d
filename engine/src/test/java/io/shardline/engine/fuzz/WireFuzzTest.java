package io.shardline.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameCodec;
import io.shardline.engine.wire.FrameDecoder;
import io.shardline.engine.wire.FrameType;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the wire: {@link FrameCodec#decode} on one buffer, and the streaming
 * {@link FrameDecoder} on a byte stream cut into reads at points the fuzzer chooses. Whatever the
 * bytes, decoding gives frames or a typed {@link ShardlineException}; nothing else escapes,
 * every buffer is released, and the streaming decoder never asks for more than the frame limit
 * in one allocation.
 *
 * <h2>Two modes</h2>
 *
 * <p>In the normal build ({@code ./mvnw -B verify}) each {@code @FuzzTest} runs in Jazzer's
 * <em>regression mode</em>: it replays the seed corpus in
 * {@code src/test/resources/io/shardline/engine/fuzz/WireFuzzTestInputs/<method>/} (plus an empty
 * input) once each and takes a fraction of a second; {@code maxDuration} is ignored there.
 *
 * <p>A real, bounded fuzzing session runs one {@code @FuzzTest} at a time (Jazzer refuses more
 * than one per run) for its {@code maxDuration} of 60 s, with {@code JAZZER_FUZZ=1}, from the
 * repository root:
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -o -pl engine test -Dtest='WireFuzzTest#decode' -Dsurefire.argLine=-Xmx2g
 * JAZZER_FUZZ=1 ./mvnw -o -pl engine test -Dtest='WireFuzzTest#streamingDecoder' -Dsurefire.argLine=-Xmx2g
 * </pre>
 *
 * <p>Overriding {@code surefire.argLine} turns off Netty's paranoid leak detector, which records
 * a stack trace per allocation and would slow fuzzing down a lot; these tests check releases
 * themselves, per input ({@link TrackingAllocator}). The session first replays the seeds, then
 * prints libFuzzer's status lines and ends with {@code Done N runs in 61 second(s)}: N is the
 * executions count. Inputs that grew coverage are kept in {@code engine/.cifuzz-corpus/} (a
 * local working corpus: do not commit it) and replayed by later runs on that machine; an input
 * that fails is written next to the seeds as {@code crash-<sha1>}, so every later build replays
 * it until the bug is fixed. To run every fuzz test in regression mode only:
 * {@code ./mvnw -o -pl engine test -Dtest='io.shardline.engine.fuzz.*Test'}.
 *
 * <p>Seeds are written by {@link SeedCorpus}; each input's layout is in its method's doc.
 */
class WireFuzzTest {
  /** The limit a server applies to client frames (and the one the streaming decoder is given here). */
  static final int MAX_FRAME = Protocol.MAX_CLIENT_FRAME;
  /** At most this many cut points in a {@link #streamingDecoder} input. */
  static final int MAX_CUTS = 15;

  /**
   * {@link FrameCodec#decode} with the control-frame limit. Input: the bytes of one frame (or
   * any bytes), prefix included. A decoded DATA frame's payload is a retained slice of the input
   * buffer: releasing it must bring the buffer back to one reference; a failed decode must not
   * keep a reference either.
   */
  @FuzzTest(maxDuration = "60s")
  void decode(byte[] input) {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(input.length).writeBytes(input);
    try {
      Frame frame;
      try {
        frame = FrameCodec.decode(buf, Protocol.MAX_CONTROL_FRAME);
      } catch (ShardlineException e) {
        assertNotNull(e.code());
        assertEquals(1, buf.refCnt(), "a failed decode kept a reference to the input");
        return;
      }
      assertNotNull(frame);
      long length = buf.getUnsignedInt(0);
      assertTrue(length <= Protocol.MAX_CONTROL_FRAME, "decoded a frame over the limit");
      assertEquals(4 + length, buf.readerIndex(), "decode did not consume exactly one frame");
      assertEquals(input[4] & 0xFF, frame.type().id());
      if (frame instanceof Frame.Data d) {
        assertEquals(2, buf.refCnt(), "a DATA payload should be a retained slice of the input");
        d.release();
      }
      assertEquals(1, buf.refCnt(), "decode kept a reference to the input");
    } finally {
      buf.release();
    }
  }

  /**
   * The streaming {@link FrameDecoder} in an {@link EmbeddedChannel}, with the client-frame limit
   * of 64 KiB. Input: {@code k = byte0 & 15} cut points (u16 big-endian each, taken modulo the
   * stream length + 1), then the stream. The stream goes in as {@code k + 1} reads (some may be
   * empty). Checks:
   * <ul>
   *   <li>each output is a {@link Frame} or a {@link ShardlineException}, and nothing follows an
   *       exception; no other exception leaves the pipeline;
   *   <li>the outputs equal those of {@link #expected}: decoding the uncut stream frame by frame
   *       with {@link FrameCodec} (so where the stream is cut does not matter);
   *   <li>no allocation over the frame limit; after the channel closes and the outputs are
   *       released, every buffer the decoder allocated and every read it was given is released.
   * </ul>
   */
  @FuzzTest(maxDuration = "60s")
  void streamingDecoder(byte[] input) {
    int k = input.length == 0 ? 0 : Math.min(input[0] & 15, (input.length - 1) / 2);
    int at = 1 + 2 * k;
    byte[] stream = input.length <= at ? new byte[0] : Arrays.copyOfRange(input, at, input.length);
    int[] cuts = new int[k + 2];
    for (int i = 0; i < k; i++) {
      int v = ((input[1 + 2 * i] & 0xFF) << 8) | (input[2 + 2 * i] & 0xFF);
      cuts[i] = v % (stream.length + 1);
    }
    cuts[k] = 0;
    cuts[k + 1] = stream.length;
    Arrays.sort(cuts);

    TrackingAllocator alloc = new TrackingAllocator(MAX_FRAME);
    EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX_FRAME, alloc));
    List<ByteBuf> reads = new ArrayList<>();
    List<Object> outputs = new ArrayList<>();
    List<Object> expected = expected(stream);
    try {
      for (int i = 0; i + 1 < cuts.length; i++) {
        ByteBuf read = Unpooled.buffer(cuts[i + 1] - cuts[i]).writeBytes(stream, cuts[i], cuts[i + 1] - cuts[i]);
        reads.add(read);
        channel.writeInbound(read); // rethrows anything a handler threw
      }
      for (Object out; (out = channel.readInbound()) != null; ) {
        outputs.add(out);
      }
      for (int i = 0; i < outputs.size(); i++) {
        Object out = outputs.get(i);
        if (out instanceof ShardlineException) {
          assertEquals(outputs.size() - 1, i, "the decoder went on after " + out);
        } else if (!(out instanceof Frame)) {
          fail("the decoder emitted " + out.getClass().getName());
        }
      }
      assertEquals(describe(expected), describe(outputs), "the stream's cuts changed what was decoded");
      assertEquals(frames(expected), frames(outputs), "the stream's cuts changed the decoded frames");
    } finally {
      channel.close(); // releases a partly filled frame
      channel.finishAndReleaseAll();
      releaseAll(outputs);
      releaseAll(expected);
    }
    for (ByteBuf read : reads) {
      assertEquals(0, read.refCnt(), "the decoder did not release a read");
    }
    alloc.assertAllReleased();
  }

  /**
   * What the streaming decoder must emit for {@code stream}: the frames {@link FrameCodec#decode}
   * finds one after another, up to the first error, or up to an incomplete frame (which the
   * streaming decoder waits on). A prefix whose length or type is bad fails as soon as the
   * prefix is complete, as does a DATA frame too short for its fixed header.
   */
  static List<Object> expected(byte[] stream) {
    List<Object> out = new ArrayList<>();
    ByteBuf buf = Unpooled.wrappedBuffer(stream);
    try {
      while (buf.readableBytes() >= Protocol.PREFIX_BYTES) {
        int start = buf.readerIndex();
        long length = buf.getUnsignedInt(start);
        int typeId = buf.getUnsignedByte(start + 4);
        try {
          FrameCodec.checkLength(length, MAX_FRAME);
          FrameType type = FrameCodec.typeOf(typeId);
          if (type == FrameType.DATA && length - 1 < Protocol.DATA_HEADER_BYTES) {
            throw new ShardlineException(ErrorCode.SHORT_FRAME, "DATA frame with no room for its header");
          }
        } catch (ShardlineException e) {
          out.add(e);
          return out;
        }
        if (buf.readableBytes() < 4 + length) {
          return out; // incomplete: the streaming decoder waits for more
        }
        try {
          out.add(FrameCodec.decode(buf, MAX_FRAME));
        } catch (ShardlineException e) {
          out.add(e);
          return out;
        }
        buf.readerIndex(start + 4 + (int) length);
      }
      return out;
    } catch (RuntimeException e) {
      releaseAll(out);
      throw e;
    }
  }

  /** Frame types and error codes, in order: what a failed comparison should print. */
  private static List<String> describe(List<Object> outputs) {
    List<String> out = new ArrayList<>();
    for (Object o : outputs) {
      out.add(o instanceof ShardlineException e ? "error " + e.code() : ((Frame) o).type().toString());
    }
    return out;
  }

  private static List<Object> frames(List<Object> outputs) {
    List<Object> out = new ArrayList<>();
    for (Object o : outputs) {
      out.add(o instanceof ShardlineException e ? e.code() : o);
    }
    return out;
  }

  private static void releaseAll(List<Object> outputs) {
    for (Object o : outputs) {
      if (o instanceof Frame.Data d && d.payload().refCnt() > 0) {
        d.release();
      }
    }
  }
}
