package io.shardline.engine.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link ReceiveMeter}: compression is turned off only when the client, not the link, is the bottleneck. */
class ReceiveMeterTest {
  static final long MS = 1_000_000;
  static final int CHUNK = 4 * 1024 * 1024;

  /**
   * Feeds one window: chunks of {@code CHUNK} wire bytes arriving while reading at {@code linkMBps},
   * each followed by a pause of {@code pauseMs} during which one compressed chunk of {@code raw}
   * bytes is stored. Returns the time after the window.
   */
  static long window(ReceiveMeter m, long now, double linkMBps, long pauseMs, int raw) {
    long readNanos = (long) (CHUNK / (linkMBps * 1e6) * 1e9);
    for (int i = 0; i < 4; i++) {
      now += readNanos;
      if (pauseMs > 0) {
        m.paused(now);
        now += pauseMs * MS;
        m.stored(now, raw, true);
        m.resumed(now);
      } else {
        m.stored(now, raw, true);
      }
      m.received(now, CHUNK);
    }
    return now;
  }

  @Test
  void aClientThatKeepsUpNeverTurnsCompressionOff() {
    ReceiveMeter m = new ReceiveMeter();
    long now = 0;
    for (int i = 0; i < 10; i++) {
      now = window(m, now, 110, 0, CHUNK * 3 / 2);
      assertTrue(m.compressionAllowed());
    }
    assertEquals(110e6, m.linkBytesPerSecond(), 1e6);
  }

  @Test
  void aSlowLinkWithABusyClientKeepsCompressingWhileTheClientOutrunsTheLink() {
    // 1 Gbit/s: reading at 118 MB/s, then paused 20 ms per 4 MiB wire chunk while 6 MiB raw are
    // stored: the client stores compressed data at ~300 MB/s, above the link: compression pays.
    ReceiveMeter m = new ReceiveMeter();
    long now = 0;
    for (int i = 0; i < 10; i++) {
      now = window(m, now, 118, 20, CHUNK * 3 / 2);
      assertTrue(m.compressionAllowed(), "window " + i);
    }
    assertTrue(m.compressedCapacity() > m.linkBytesPerSecond());
  }

  @Test
  void aFastLinkThatTheClientCannotKeepUpWithTurnsCompressionOffThenTriesAgain() {
    // 10 Gbit/s: reading at 1 GB/s, paused 30 ms per chunk: compressed data stored at ~200 MB/s,
    // far below the link: the client is the bottleneck and compressing only adds decode work.
    ReceiveMeter m = new ReceiveMeter();
    long now = window(m, 0, 1000, 30, CHUNK * 3 / 2);
    assertFalse(m.compressionAllowed());
    assertTrue(m.compressedCapacity() < m.linkBytesPerSecond());
    for (int i = 0; i < ReceiveMeter.HOLD_WINDOWS - 1; i++) {
      now = window(m, now, 1000, 0, CHUNK); // as they are: the client keeps up
      assertFalse(m.compressionAllowed(), "held, window " + i);
    }
    now = window(m, now, 1000, 0, CHUNK);
    assertTrue(m.compressionAllowed(), "after the hold it is measured again");
    window(m, now, 1000, 30, CHUNK * 3 / 2);
    assertFalse(m.compressionAllowed(), "and turned off again while it still does not pay");
  }

  @Test
  void pausesWithoutCompressedChunksSayNothingAboutCompression() {
    ReceiveMeter m = new ReceiveMeter();
    long now = 0;
    for (int i = 0; i < 4; i++) {
      now += 4 * MS;
      m.paused(now);
      now += 30 * MS;
      m.stored(now, CHUNK, false); // a slow disk with uncompressed chunks
      m.resumed(now);
      m.received(now, CHUNK);
    }
    assertTrue(m.compressionAllowed());
  }
}
