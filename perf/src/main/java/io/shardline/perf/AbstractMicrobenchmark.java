package io.shardline.perf;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Settings shared by every Shardline micro-benchmark (after Netty's {@code AbstractMicrobenchmark}):
 * one fork with a fixed heap and Netty's leak detector off, 3 warm-up and 5 measured iterations
 * of 2 s, throughput per second, one thread. Override on the command line as usual, e.g.
 * {@code -f 1 -wi 2 -i 3 -r 1s} for a quick look.
 */
@Fork(value = 1, jvmArgsAppend = {
    "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
    "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class AbstractMicrobenchmark {
  /** Decimal megabytes, the unit of every MB/s these benchmarks report. */
  public static final double MB = 1e6;

  /** Megabytes processed (10^6 bytes): JMH reports this counter per second, as the {@code :mb} row. */
  @org.openjdk.jmh.annotations.State(org.openjdk.jmh.annotations.Scope.Thread)
  @org.openjdk.jmh.annotations.AuxCounters(org.openjdk.jmh.annotations.AuxCounters.Type.OPERATIONS)
  public static class Throughput {
    public double mb;

    @org.openjdk.jmh.annotations.Setup(org.openjdk.jmh.annotations.Level.Iteration)
    public void reset() {
      mb = 0;
    }
  }
}
