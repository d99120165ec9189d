package io.shardline.engine.codec;

import static io.shardline.engine.codec.CodecFixtures.ALLOC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Codec#decodeOwned}, the path a client uses for every received chunk (identity too: no
 * bypass around the codec): it takes ownership of the payload, and identity still checks lengths.
 */
class DecodeOwnedTest {
  @Test
  void identityHandsThePayloadBackAfterItsLengthCheck() {
    ByteBuf in = ALLOC.directBuffer(16).writeBytes(new byte[16]);
    ByteBuf out = new IdentityCodec().decodeOwned(in, 16, ALLOC);
    assertSame(in, out, "no copy");
    assertEquals(1, out.refCnt());
    out.release();

    ByteBuf bad = ALLOC.directBuffer(16).writeBytes(new byte[16]);
    ShardlineException e = assertThrows(ShardlineException.class, () -> new IdentityCodec().decodeOwned(bad, 17, ALLOC));
    assertEquals(ErrorCode.BAD_ENCODING, e.code());
    assertEquals(0, bad.refCnt(), "a refused payload is released");
  }

  @Test
  void otherCodecsReleaseTheEncodedInput() {
    byte[] raw = new byte[64 * 1024];
    ByteBuf src = ALLOC.directBuffer(raw.length).writeBytes(raw);
    ZstdCodec zstd = new ZstdCodec();
    ByteBuf enc = zstd.encode(src, List.of(new Segment(0, raw.length, DType.BYTES)), ALLOC);
    src.release();
    ByteBuf out = zstd.decodeOwned(enc, raw.length, ALLOC);
    try {
      assertEquals(0, enc.refCnt(), "decodeOwned took ownership of the encoded input");
      assertArrayEquals(raw, ByteBufUtil.getBytes(out));
    } finally {
      out.release();
    }
  }
}
