package io.shardline.engine.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CodecPolicyTest {
  static final CodecMask NONE = CodecMask.of(CodecId.IDENTITY);
  static final CodecMask ZSTD = NONE.with(CodecId.ZSTD);
  static final CodecMask PLANES = ZSTD.with(CodecId.PLANES);
  static final CodecMask AUTO = PLANES.withAuto(true);
  static final double NAN = Double.NaN;

  @Test
  void fixedChoicesAreHonoured() {
    assertEquals(CodecId.IDENTITY, CodecPolicy.choose(NONE, true, 0.5, 1e6, 1e9));
    assertEquals(CodecId.ZSTD, CodecPolicy.choose(ZSTD, true, NAN, NAN, NAN));
    assertEquals(CodecId.PLANES, CodecPolicy.choose(PLANES, true, NAN, NAN, NAN));
    assertEquals(CodecId.ZSTD, CodecPolicy.choose(PLANES, false, NAN, NAN, NAN), "untyped bytes: zstd");
  }

  @Test
  void autoSkipsChunksThatDoNotShrink() {
    assertEquals(CodecId.IDENTITY, CodecPolicy.choose(AUTO, true, 0.99, 1e6, 1e9));
    assertEquals(CodecId.IDENTITY, CodecPolicy.choose(AUTO, true, 0.95, 1e6, 1e9));
    assertEquals(CodecId.IDENTITY, CodecPolicy.choose(AUTO, true, 0.83, 1e6, 1e9), "BERT FP32 planes: too little to win");
    assertEquals(CodecId.PLANES, CodecPolicy.choose(AUTO, true, 0.8, 1e6, 1e9), "a 1.25x gain on a slow link");
    assertEquals(CodecId.IDENTITY, CodecPolicy.choose(AUTO, false, NAN, 1e6, 1e9), "no sample: no compression");
  }

  @Test
  void autoCompressesOnASlowLinkAndNotOnAFastOne() {
    double slowLink = 125e6 / 4; // 1 Gbit/s over 4 lanes
    double fastLink = 3e9;
    double compressor = 480e6;
    assertEquals(CodecId.PLANES, CodecPolicy.choose(AUTO, true, 0.7, slowLink, compressor));
    assertEquals(CodecId.ZSTD, CodecPolicy.choose(AUTO, false, 0.7, slowLink, compressor));
    assertEquals(CodecId.IDENTITY, CodecPolicy.choose(AUTO, true, 0.7, fastLink, compressor));
  }

  @Test
  void autoWaitsForALinkMeasurementBeforeCompressing() {
    assertEquals(CodecId.IDENTITY, CodecPolicy.choose(AUTO, true, 0.7, NAN, NAN));
    assertEquals(CodecId.PLANES, CodecPolicy.choose(AUTO, true, 0.7, 125e6 / 4, NAN), "slow link, compressor not timed yet");
  }

  @Test
  void samplingOnlyInAutoModeWithACompressor() {
    assertTrue(CodecPolicy.wantsSample(AUTO));
    assertFalse(CodecPolicy.wantsSample(PLANES));
    assertFalse(CodecPolicy.wantsSample(NONE.withAuto(true)));
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
