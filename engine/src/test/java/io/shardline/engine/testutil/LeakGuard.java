package io.shardline.engine.testutil;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test class when Netty's {@link ResourceLeakDetector} reports a {@code LEAK:} while it
 * runs. Registered for every test class through {@code META-INF/services} and
 * {@code junit-platform.properties} (extension autodetection); surefire runs with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 *
 * <p>The detector only reports a leak after the buffer was garbage-collected <em>and</em> a later
 * allocation polled its reference queue, so {@link #afterAll} forces both before it looks.
 * Reports that arrive between two classes are charged to the next one: late, but never lost.
 */
public final class LeakGuard implements BeforeAllCallback, AfterAllCallback {
  /** The logger Netty reports leaks to (its class name, through SLF4J). */
  public static final String LEAK_LOGGER = ResourceLeakDetector.class.getName();
  private static final String APPENDER = "shardline-leak-guard";
  private static final String MARKER = "LEAK:";
  private static final Queue<String> CAPTURED = new ConcurrentLinkedQueue<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    forceLeakReports();
    List<String> leaks = drain();
    if (!leaks.isEmpty()) {
      throw new AssertionError(leaks.size() + " Netty buffer leak report(s) while "
          + context.getDisplayName() + " ran (or since the previous class):\n" + String.join("\n\n", leaks));
    }
  }

  /**
   * Attaches the capturing appender to {@link #LEAK_LOGGER} unless it is already there (again
   * after a logback reset), and makes sure the logger passes ERROR, the level leaks use.
   */
  public static synchronized void install() {
    if (!(LoggerFactory.getLogger(LEAK_LOGGER) instanceof Logger logger)) {
      throw new IllegalStateException("LeakGuard needs logback as the SLF4J backend, found "
          + LoggerFactory.getILoggerFactory().getClass().getName());
    }
    if (!logger.isErrorEnabled()) {
      logger.setLevel(Level.ERROR);
    }
    if (logger.getAppender(APPENDER) == null) {
      Capture capture = new Capture();
      capture.setName(APPENDER);
      capture.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
      capture.start();
      logger.addAppender(capture);
    }
  }

  /** Whether the capturing appender is attached (it is once any test class has started). */
  public static boolean installed() {
    return LoggerFactory.getLogger(LEAK_LOGGER) instanceof Logger logger && logger.getAppender(APPENDER) != null;
  }

  /** Whether a log message is a Netty leak report. */
  public static boolean isLeakReport(String message) {
    return message != null && message.contains(MARKER);
  }

  /** The leak reports captured and not yet drained. */
  public static List<String> captured() {
    return new ArrayList<>(CAPTURED);
  }

  /** Returns the captured leak reports and forgets them. */
  public static List<String> drain() {
    List<String> out = new ArrayList<>();
    for (String s; (s = CAPTURED.poll()) != null; ) {
      out.add(s);
    }
    return out;
  }

  /**
   * Makes the detector report buffers that are unreachable by now: two full GCs, each followed
   * by waiting (bounded) until a sentinel weak reference is enqueued, so the reference handler
   * has queued everything the GC found; then tracked allocations, each of which polls the
   * detector's queue and logs what it finds.
   */
  public static void forceLeakReports() throws InterruptedException {
    for (int round = 0; round < 2; round++) {
      ReferenceQueue<Object> queue = new ReferenceQueue<>();
      WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
      System.gc();
      queue.remove(2_000); // a bounded barrier: on timeout the next round or class catches up
      Reference.reachabilityFence(sentinel); // an unreachable Reference is never enqueued
    }
    // Paranoid tracks every allocation; lower levels sample, so allocate enough to be polled.
    for (int i = 0; i < 512; i++) {
      PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
      ByteBuf b = i % 2 == 0 ? alloc.directBuffer(8) : alloc.heapBuffer(8);
      b.release();
    }
  }

  private static final class Capture extends AppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent event) {
      String message = event.getFormattedMessage();
      if (isLeakReport(message)) {
        CAPTURED.add(message);
      }
    }
  }
}
