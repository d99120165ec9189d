package io.shardline.engine.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import org.junit.jupiter.api.Test;

/** Codec ids and masks are typed; their wire forms are exactly those of protocol v2. */
class CodecMaskTest {
  @Test
  void wireIdsAreTheProtocolOnes() {
    assertEquals(0, CodecId.IDENTITY.wire());
    assertEquals(1, CodecId.ZSTD.wire());
    assertEquals(2, CodecId.PLANES.wire());
    for (CodecId id : CodecId.values()) {
      assertEquals(id, CodecId.fromWire(id.wire()));
    }
    assertEquals(ErrorCode.MALFORMED_FRAME, assertThrows(ShardlineException.class, () -> CodecId.fromWire(3)).code());
    assertEquals(ErrorCode.MALFORMED_FRAME, assertThrows(ShardlineException.class, () -> CodecId.fromWire(-1)).code());
  }

  @Test
  void masksRoundTripTheirWireBits() {
    assertEquals(0x01, CodecMask.of(CodecId.IDENTITY).toWire());
    assertEquals(0x03, CodecMask.of(CodecId.IDENTITY).with(CodecId.ZSTD).toWire());
    assertEquals(0x87, CodecMask.all().withAuto(true).toWire());
    for (int wire : new int[] {0, 1, 3, 7, 0x80, 0x81, 0x87}) {
      assertEquals(wire, CodecMask.fromWire(wire).toWire());
    }
    CodecMask m = CodecMask.fromWire(0x85);
    assertTrue(m.contains(CodecId.IDENTITY) && m.contains(CodecId.PLANES) && m.auto());
    assertFalse(m.contains(CodecId.ZSTD));
    assertEquals(CodecMask.of(CodecId.IDENTITY, CodecId.PLANES), m.withAuto(false));
    assertEquals("{identity, planes, auto}", m.toString());
  }

  @Test
  void unknownBitsAreRefusedWithATypedError() {
    for (int wire : new int[] {0x08, 0x40, 0x100, 0x87 | 0x10, -1}) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> CodecMask.fromWire(wire));
      assertEquals(ErrorCode.MALFORMED_FRAME, e.code());
    }
  }

  @Test
  void retainKeepsOnlyCommonCodecsAndThisMasksAutoFlag() {
    CodecMask get = CodecMask.all().withAuto(true);
    CodecMask client = CodecMask.of(CodecId.IDENTITY, CodecId.ZSTD);
    assertEquals(client.withAuto(true), get.retain(client));
    assertEquals(client, client.retain(get.withAuto(true)));
  }
}
