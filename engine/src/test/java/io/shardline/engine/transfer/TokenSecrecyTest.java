package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.shardline.engine.server.FaultHook;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Tokens never reach a log, at any level: pulls with the right, a wrong and no token, with every
 * logger at DEBUG, and every message, argument and stack trace searched for either token.
 */
class TokenSecrecyTest extends LoopbackTestBase {
  final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  Logger rootLogger;
  Level rootLevel;
  Logger shardline;
  Level shardlineLevel;

  @BeforeEach
  void captureEverything() {
    rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    shardline = (Logger) LoggerFactory.getLogger("io.shardline");
    rootLevel = rootLogger.getLevel();
    shardlineLevel = shardline.getLevel();
    rootLogger.setLevel(Level.DEBUG);
    shardline.setLevel(Level.DEBUG);
    captured.start();
    rootLogger.addAppender(captured);
  }

  @AfterEach
  void restore() {
    rootLogger.detachAppender(captured);
    rootLogger.setLevel(rootLevel);
    shardline.setLevel(shardlineLevel);
  }

  @Test
  void tokensAreNeverLogged() throws Exception {
    String secret = "srv-" + UUID.randomUUID();
    String guess = "guess-" + UUID.randomUUID();
    Loopback.file(net.root.resolve("a.bin"), 200_000, 3);
    net.start(secret, FaultHook.NONE);
    assertFalse(net.pull(net.options("", dest).token(guess)).ok());
    assertFalse(net.pull(net.options("", dest)).ok());
    PullResult ok = net.pull(net.options("", dest).token(secret));
    assertTrue(ok.ok(), ok.errors()::toString);

    List<ILoggingEvent> events;
    synchronized (captured) {
      events = new ArrayList<>(captured.list);
    }
    assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().contains("wrong token")),
        "the refusal itself is logged (so this test sees the server's logs)");
    for (ILoggingEvent e : events) {
      StringBuilder text = new StringBuilder(e.getFormattedMessage());
      if (e.getArgumentArray() != null) {
        for (Object a : e.getArgumentArray()) {
          text.append(' ').append(a);
        }
      }
      if (e.getThrowableProxy() != null) {
        text.append(' ').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
      }
      assertFalse(text.toString().contains(secret), () -> "token logged: " + e);
      assertFalse(text.toString().contains(guess), () -> "wrong token logged: " + e);
    }
    for (String error : ok.errors()) {
      assertFalse(error.contains(secret));
    }
  }
}
