package io.shardline.engine.codec;

import static io.shardline.engine.wire.Protocol.CODEC_IDENTITY;
import static io.shardline.engine.wire.Protocol.CODEC_PLANES;
import static io.shardline.engine.wire.Protocol.CODEC_ZSTD;
import static io.shardline.engine.wire.Protocol.MASK_AUTO;
import static io.shardline.engine.wire.Protocol.bit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CodecPolicyTest {
  static final int NONE = bit(CODEC_IDENTITY);
  static final int ZSTD = bit(CODEC_IDENTITY) | bit(CODEC_ZSTD);
  static final int PLANES = ZSTD | bit(CODEC_PLANES);
  static final int AUTO = PLANES | MASK_AUTO;
  static final double NAN = Double.NaN;

  @Test
  void fixedChoicesAreHonoured() {
    assertEquals(CODEC_IDENTITY, CodecPolicy.choose(NONE, true, 0.5, 1e6, 1e9));
    assertEquals(CODEC_ZSTD, CodecPolicy.choose(ZSTD, true, NAN, NAN, NAN));
    assertEquals(CODEC_PLANES, CodecPolicy.choose(PLANES, true, NAN, NAN, NAN));
    assertEquals(CODEC_ZSTD, CodecPolicy.choose(PLANES, false, NAN, NAN, NAN), "untyped bytes: zstd");
  }

  @Test
  void autoSkipsChunksThatDoNotShrink() {
    assertEquals(CODEC_IDENTITY, CodecPolicy.choose(AUTO, true, 0.99, 1e6, 1e9));
    assertEquals(CODEC_IDENTITY, CodecPolicy.choose(AUTO, true, 0.95, 1e6, 1e9));
    assertEquals(CODEC_IDENTITY, CodecPolicy.choose(AUTO, false, NAN, 1e6, 1e9), "no sample: no compression");
  }

  @Test
  void autoCompressesOnASlowLinkAndNotOnAFastOne() {
    double slowLink = 125e6 / 4; // 1 Gbit/s over 4 lanes
    double fastLink = 3e9;
    double compressor = 480e6;
    assertEquals(CODEC_PLANES, CodecPolicy.choose(AUTO, true, 0.7, slowLink, compressor));
    assertEquals(CODEC_ZSTD, CodecPolicy.choose(AUTO, false, 0.7, slowLink, compressor));
    assertEquals(CODEC_IDENTITY, CodecPolicy.choose(AUTO, true, 0.7, fastLink, compressor));
  }

  @Test
  void autoWaitsForALinkMeasurementBeforeCompressing() {
    assertEquals(CODEC_IDENTITY, CodecPolicy.choose(AUTO, true, 0.7, NAN, NAN));
    assertEquals(CODEC_PLANES, CodecPolicy.choose(AUTO, true, 0.7, 125e6 / 4, NAN), "slow link, compressor not timed yet");
  }

  @Test
  void samplingOnlyInAutoModeWithACompressor() {
    assertTrue(CodecPolicy.wantsSample(AUTO));
    assertFalse(CodecPolicy.wantsSample(PLANES));
    assertFalse(CodecPolicy.wantsSample(NONE | MASK_AUTO));
  }

  @Test
  void compressionMeterIsTheBestOfRecentEncodesOnceWarm() {
    CompressionMeter m = new CompressionMeter();
    m.record(1_000_000, 100_000_000); // a cold first encode: 10 MB/s
    m.record(1_000_000, 1_000_000); // 1 GB/s
    m.record(1_000_000, 2_000_000);
    assertTrue(Double.isNaN(m.perThread()), "unknown before 4 encodes");
    m.record(0, 5); // ignored
    m.record(1_000_000, 4_000_000);
    assertEquals(1e9, m.perThread(), 1, "the cold outlier does not count");
    for (int i = 0; i < 8; i++) {
      m.record(1_000_000, 2_000_000); // later, steadily 500 MB/s
    }
    assertEquals(5e8, m.perThread(), 1, "old measurements age out");
  }
}
