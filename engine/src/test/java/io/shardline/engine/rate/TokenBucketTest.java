package io.shardline.engine.rate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bucket's decisions against a fake clock (nanoseconds we choose). */
class TokenBucketTest {
  static final long S = 1_000_000_000L;

  @Test
  void burstIsFreeThenTheRateApplies() {
    TokenBucket b = new TokenBucket(1_000_000, 100_000, 0); // 1 MB/s, 100 kB burst
    assertEquals(0, b.take(0, 100_000), "the burst goes out at once");
    assertEquals(S, b.take(0, 1_000_000), "1 MB more at 1 MB/s: wait one second");
    assertEquals(S / 2, b.waitNanos(S / 2), "half a second later, half a second to go");
    assertEquals(0, b.waitNanos(S));
  }

  @Test
  void idleTimeAccumulatesOnlyUpToTheBurst() {
    TokenBucket b = new TokenBucket(1_000_000, 100_000, 0);
    b.take(0, 100_000);
    // 10 s idle would be 10 MB of credit, but the bucket holds 100 kB.
    assertEquals(0, b.take(10 * S, 100_000));
    assertEquals(S / 10, b.take(10 * S, 100_000));
  }

  @Test
  void sustainedThroughputMatchesTheRate() {
    long rate = 125_000_000; // 1 Gbit/s
    TokenBucket b = TokenBucket.of(rate, 4 << 20, 0);
    long now = 0;
    long sent = 0;
    for (int i = 0; i < 1000; i++) {
      now += b.take(now, 4 << 20); // a sender that waits exactly as told
      sent += 4 << 20;
    }
    double seconds = now / 1e9;
    double achieved = sent / seconds;
    assertTrue(Math.abs(achieved - rate) / rate < 0.01, "achieved " + achieved);
  }

  @Test
  void clockGoingBackwardsDoesNotMintTokens() {
    TokenBucket b = new TokenBucket(1000, 1000, 5 * S);
    b.take(5 * S, 1000);
    assertEquals(S, b.take(4 * S, 1000));
  }

  @Test
  void invalidArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0, 0));
  }

  @Test
  void ratesParse() {
    assertEquals(125_000_000, Rates.parse("1gbit"));
    assertEquals(100_000_000, Rates.parse("800mbit"));
    assertEquals(1_250_000_000, Rates.parse("10Gbit"));
    assertEquals(100_000_000, Rates.parse("100MB"));
    assertEquals(1_500_000_000, Rates.parse("1.5GB"));
    assertEquals(512_000, Rates.parse("500KiB"));
    assertEquals(1_000_000, Rates.parse("1000000"));
    assertEquals(100_000_000, Rates.parse("100MB/s"));
    assertThrows(IllegalArgumentException.class, () -> Rates.parse("fast"));
    assertThrows(IllegalArgumentException.class, () -> Rates.parse("0"));
  }

  @Test
  void rateChangesLiveAndZeroLiftsTheLimit() {
    TokenBucket b = new TokenBucket(1_000_000, 1_000, 0); // 1 MB/s, 1 KB burst
    assertEquals(0, b.take(0, 1_000));
    assertEquals(1_000_000, b.take(0, 1_000)); // 1 KB owed at 1 MB/s = 1 ms
    b.rate(0, 0);
    assertEquals(0, b.bytesPerSecond());
    assertEquals(0, b.take(0, 1_000_000_000)); // unlimited: never waits
    assertEquals(0, b.waitNanos(0));
    b.rate(2_000_000, 0); // 2 MB/s again, burst max(1 KB, 100 KB)
    assertEquals(2_000_000, b.bytesPerSecond());
    assertEquals(0, b.take(0, 1_000));
    assertEquals(500_000, b.take(0, 1_000)); // 1 KB owed at 2 MB/s = 0.5 ms
    b.rate(1_000_000, 0); // slower: the debt is now repaid at 1 MB/s
    assertEquals(1_000_000, b.waitNanos(0));
  }
}
