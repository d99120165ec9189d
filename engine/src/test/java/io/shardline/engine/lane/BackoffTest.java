package io.shardline.engine.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Backoff}: equal-jitter exponential delays, a pure function of (attempt, draw). */
class BackoffTest {
  static final double LOW = 0.0;
  static final double HIGH = 0.999;

  /** The un-jittered delay for an attempt: base doubled per retry, capped. */
  static long ceiling(Backoff b, int attempt) {
    long exp = b.baseMs();
    for (int i = 1; i < attempt && exp < b.maxMs(); i++) {
      exp *= 2;
    }
    return Math.min(exp, b.maxMs());
  }

  @Test
  void boundsForEveryAttempt() {
    Backoff b = Backoff.DEFAULT;
    for (int attempt = 1; attempt <= 40; attempt++) {
      long exp = ceiling(b, attempt);
      long low = b.delayMs(attempt, LOW);
      long high = b.delayMs(attempt, HIGH);
      assertEquals(exp / 2, low, "attempt " + attempt + ": the fixed half");
      assertTrue(high >= low && high <= exp, "attempt " + attempt + ": " + high + " within [" + low + ", " + exp + "]");
      assertTrue(high >= exp - exp / 200 - 1, "attempt " + attempt + ": a draw near 1 reaches the top, got " + high);
      assertTrue(high <= b.maxMs());
    }
  }

  @Test
  void firstAttemptsDoubleThenTheCapHolds() {
    Backoff b = Backoff.DEFAULT;
    assertEquals(50, b.delayMs(1, LOW));
    assertEquals(100, b.delayMs(2, LOW));
    assertEquals(200, b.delayMs(3, LOW));
    assertEquals(1_600, b.delayMs(6, LOW));
    assertEquals(2_500, b.delayMs(7, LOW), "100 << 6 = 6400 is capped at 5000");
    assertEquals(2_500, b.delayMs(40, LOW));
    assertEquals(2_500 + (long) (HIGH * 2_501), b.delayMs(40, HIGH));
  }

  @Test
  void monotoneInAttemptForAFixedDraw() {
    Backoff[] shapes = {Backoff.DEFAULT, new Backoff(1, 60_000), new Backoff(250, 250), new Backoff(7, 1_000_003)};
    for (Backoff b : shapes) {
      for (double r : new double[] {LOW, 0.25, 0.5, HIGH}) {
        long previous = 0;
        for (int attempt = 1; attempt <= 40; attempt++) {
          long d = b.delayMs(attempt, r);
          assertTrue(d >= previous, b + " r=" + r + " attempt " + attempt + ": " + d + " < " + previous);
          assertTrue(d <= b.maxMs());
          previous = d;
        }
        assertEquals(b.delayMs(40, r), b.delayMs(Integer.MAX_VALUE, r), "stays at the cap");
      }
    }
  }

  @Test
  void monotoneInTheDraw() {
    Backoff b = Backoff.DEFAULT;
    for (int attempt = 1; attempt <= 40; attempt++) {
      long previous = -1;
      for (int i = 0; i < 1000; i++) {
        long d = b.delayMs(attempt, i / 1000.0);
        assertTrue(d >= previous);
        previous = d;
      }
    }
  }

  @Test
  void attemptsBelowOneCountAsTheFirst() {
    Backoff b = Backoff.DEFAULT;
    assertEquals(b.delayMs(1, HIGH), b.delayMs(0, HIGH));
    assertEquals(b.delayMs(1, HIGH), b.delayMs(-5, HIGH));
  }

  @Test
  void largeBaseDoesNotOverflowBeforeTheCap() {
    // the shift stops at 30: an hour's base grows to the cap without wrapping
    Backoff b = new Backoff(3_600_000, Long.MAX_VALUE / 4);
    long previous = 0;
    for (int attempt = 1; attempt <= 40; attempt++) {
      long d = b.delayMs(attempt, LOW);
      assertTrue(d >= previous && d > 0, "attempt " + attempt + ": " + d);
      previous = d;
    }
  }
}
