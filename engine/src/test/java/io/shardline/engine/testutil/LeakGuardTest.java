package io.shardline.engine.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The guard's detection, without leaking for real: synthetic reports go to the detector's
 * logger (not to the console, so a build log never shows a {@code LEAK:} line) and are drained
 * before this class's own {@code afterAll} check.
 */
class LeakGuardTest {

  /** Logs to the leak logger with additivity off, so only the guard's appender sees it. */
  private static void logQuietly(String message) {
    Logger logger = (Logger) LoggerFactory.getLogger(LeakGuard.LEAK_LOGGER);
    boolean additive = logger.isAdditive();
    logger.setAdditive(false);
    try {
      logger.error(message);
    } finally {
      logger.setAdditive(additive);
    }
  }

  @Test
  void autodetectionInstalledTheGuard() {
    // beforeAll ran without being named on this class: the service file and property work.
    assertTrue(LeakGuard.installed());
  }

  @Test
  void leakReportIsCapturedAndDrained() {
    String report = "LEAK: ByteBuf.release() was not called before it's garbage-collected. (synthetic, LeakGuardTest)";
    logQuietly(report);
    assertEquals(List.of(report), LeakGuard.captured());
    assertEquals(List.of(report), LeakGuard.drain());
    assertEquals(List.of(), LeakGuard.captured());
  }

  @Test
  void otherMessagesAreIgnored() {
    logQuietly("leak detector level changed (synthetic, LeakGuardTest)");
    assertEquals(List.of(), LeakGuard.captured());
  }

  @Test
  void reportRecognition() {
    assertTrue(LeakGuard.isLeakReport("LEAK: ByteBuf.release() was not called"));
    assertTrue(LeakGuard.isLeakReport("[x] LEAK: 3 instances"));
    assertFalse(LeakGuard.isLeakReport("leak: lower case is not Netty's marker"));
    assertFalse(LeakGuard.isLeakReport(null));
  }

  @Test
  void forcingReportsFindsNothingWhenNothingLeaks() throws InterruptedException {
    LeakGuard.forceLeakReports();
    assertEquals(List.of(), LeakGuard.captured());
  }
}
