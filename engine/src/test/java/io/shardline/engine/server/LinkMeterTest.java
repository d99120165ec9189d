package io.shardline.engine.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinkMeterTest {
  static final long MS = 1_000_000L;
  static final long CHUNK = 4L << 20;

  @Test
  void aSaturatedLinkMeasuresItsRate() {
    LinkMeter m = new LinkMeter();
    long now = 0;
    // Writes always pending; one 4 MiB chunk completes every 33.5 ms: 125 MB/s.
    m.started(now);
    m.started(now);
    for (int i = 0; i < 10; i++) {
      now += 33_554_432L; // 4 MiB at 125 MB/s takes 33.55 ms
      m.completed(now, CHUNK);
      m.started(now);
    }
    assertEquals(125e6, m.bytesPerSecond(), 125e6 * 0.01);
  }

  @Test
  void idleGapsDoNotCountAgainstTheLink() {
    LinkMeter m = new LinkMeter();
    long now = 0;
    for (int i = 0; i < 4; i++) {
      m.started(now);
      now += 2 * MS; // the write drains in 2 ms: ~2 GB/s
      m.completed(now, CHUNK);
      now += 100 * MS; // then the lane has nothing to send for a while
    }
    assertTrue(m.bytesPerSecond() > 1.5e9, "measured " + m.bytesPerSecond());
  }

  @Test
  void unknownBeforeTheFirstWindow() {
    LinkMeter m = new LinkMeter();
    m.started(0);
    m.completed(MS, 1024);
    assertTrue(Double.isNaN(m.bytesPerSecond()));
  }
}
