package io.shardline.perf.rate;

import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.wire.Protocol;
import io.shardline.perf.AbstractMicrobenchmark;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@link TokenBucket#take} as the lanes call it: {@code take(System.nanoTime(), bytes)} once per
 * 4 MiB DATA frame on a bucket of 1 Gbit/s (125,000,000 B/s) built like the engine's
 * ({@code TokenBucket.of(rate, MAX_CHUNK / 16, now)}). The returned wait is not slept.
 *
 * <ul>
 *   <li>{@code take}: one thread.
 *   <li>{@code takeContended}: two threads on the same bucket ({@code @Threads(2)}), as when one
 *       process-wide limit is shared by lanes on two event loops; the score is the sum over both
 *       threads. On a 2-core machine JMH's own threads compete with them too.
 *   <li>{@code nanoTime}: {@link System#nanoTime()} alone, the clock read included in the above.
 * </ul>
 * Read ops/s: takes per second (a lane makes one per chunk, so even 10^6/s is far above need:
 * 1 Gbit/s of 4 MiB chunks is 30 takes per second).
 *
 * <pre>
 * ./mvnw -B -pl perf -am package -DskipTests
 * java -jar perf/target/benchmarks.jar TokenBucketBenchmark                         # full settings
 * java -jar perf/target/benchmarks.jar TokenBucketBenchmark -f 1 -wi 2 -i 3 -r 1s   # quick look
 * </pre>
 */
@State(Scope.Benchmark)
public class TokenBucketBenchmark extends AbstractMicrobenchmark {
  /** 1 Gbit/s in bytes per second. */
  public static final long RATE = 125_000_000L;
  public static final long FRAME_BYTES = 4L * 1024 * 1024;

  private TokenBucket bucket;

  @Setup(Level.Trial)
  public void setUp() {
    bucket = TokenBucket.of(RATE, Protocol.MAX_CHUNK / 16, System.nanoTime());
  }

  @Benchmark
  public long take() {
    return bucket.take(System.nanoTime(), FRAME_BYTES);
  }

  @Benchmark
  @Threads(2)
  public long takeContended() {
    return bucket.take(System.nanoTime(), FRAME_BYTES);
  }

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }
}
