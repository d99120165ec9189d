package io.shardline.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.github.luben.zstd.ZstdException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.codec.Codec;
import io.shardline.engine.codec.PlanesCodec;
import io.shardline.engine.codec.ZstdCodec;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.util.Arrays;

/**
 * Fuzzes the decoders of the chunk codecs, {@link ZstdCodec} and {@link PlanesCodec}: whatever a
 * DATA payload holds and whatever raw length its frame claims, {@link Codec#decode} gives a
 * buffer of exactly that length or fails with {@code BAD_ENCODING}; it allocates no more than
 * the raw length plus (planes only) one scratch block, and everything it allocates is released.
 * A {@code BAD_ENCODING} caused by anything but a {@link ZstdException} counts as a failure: it
 * is an unexpected exception (an index out of bounds, say) that the codec's last-resort wrapper
 * turned into a typed error, so the validation missed a case.
 *
 * <p>Input layout, for both: a u32 big-endian {@code rawLength} (taken modulo 4 MiB + 1, so 0 to
 * 4 MiB), then the encoded payload. Seeds are real encodings of seeded tensor data, written by
 * {@link SeedCorpus}. zstd itself is native code, which Jazzer does not instrument: fuzzing is
 * guided by our framing and validation code only, so coverage stops growing quickly on zstd.
 *
 * <p>Regression mode (every build) replays
 * {@code src/test/resources/io/shardline/engine/fuzz/CodecFuzzTestInputs/<method>/}. A bounded
 * fuzzing session, one method at a time, from the repository root (see {@link WireFuzzTest} for
 * what it prints and writes):
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -o -pl engine test -Dtest='CodecFuzzTest#zstdDecode' -Dsurefire.argLine=-Xmx2g
 * JAZZER_FUZZ=1 ./mvnw -o -pl engine test -Dtest='CodecFuzzTest#planesDecode' -Dsurefire.argLine=-Xmx2g
 * </pre>
 */
class CodecFuzzTest {
  /** Raw lengths are taken modulo this: 0 to 4 MiB. */
  static final int RAW_LENGTH_BOUND = 4 * 1024 * 1024 + 1;

  private static final ZstdCodec ZSTD = new ZstdCodec();
  private static final PlanesCodec PLANES = new PlanesCodec();

  /** {@link ZstdCodec#decode}: the output is the only allocation. */
  @FuzzTest(maxDuration = "60s")
  void zstdDecode(byte[] input) {
    decode(ZSTD, input, 0);
  }

  /** {@link PlanesCodec#decode}: the output plus one scratch block of at most 256 KiB. */
  @FuzzTest(maxDuration = "60s")
  void planesDecode(byte[] input) {
    decode(PLANES, input, PlanesCodec.BLOCK_BYTES);
  }

  private static void decode(Codec codec, byte[] input, int scratch) {
    if (input.length < 4) {
      return;
    }
    int rawLength = Integer.remainderUnsigned(
        (input[0] & 0xFF) << 24 | (input[1] & 0xFF) << 16 | (input[2] & 0xFF) << 8 | (input[3] & 0xFF),
        RAW_LENGTH_BOUND);
    byte[] encoded = Arrays.copyOfRange(input, 4, input.length);
    // Direct, as a DATA payload from the frame decoder: decode views it in place, copies nothing.
    ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(encoded.length).writeBytes(encoded);
    TrackingAllocator alloc = new TrackingAllocator(Math.max(rawLength, scratch));
    try {
      ByteBuf out;
      try {
        out = codec.decode(in, rawLength, alloc);
      } catch (ShardlineException e) {
        assertEquals(ErrorCode.BAD_ENCODING, e.code(), e::toString);
        assertTrue(e.getCause() == null || e.getCause() instanceof ZstdException,
            () -> codec + " failed through an unexpected exception: " + e.getCause());
        return;
      }
      try {
        assertEquals(rawLength, out.readableBytes(), codec + " decoded to the wrong length");
        assertEquals(0, out.readerIndex());
      } finally {
        out.release();
      }
    } finally {
      assertEquals(0, in.readerIndex(), "decode moved the payload's reader index");
      assertEquals(encoded.length, in.writerIndex(), "decode moved the payload's writer index");
      assertEquals(1, in.refCnt(), "decode changed the payload's reference count");
      in.release();
      alloc.assertAllReleased();
      long bound = (long) rawLength + scratch;
      assertTrue(alloc.total() <= bound, () -> codec + " allocated " + alloc.total() + " bytes, bound " + bound);
    }
  }
}
