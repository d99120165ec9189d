package io.shardline.perf.codec;

import io.shardline.engine.codec.BytePlanes;
import io.shardline.engine.codec.PlanesCodec;
import io.shardline.perf.AbstractMicrobenchmark;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The byte-plane transposition alone ({@link BytePlanes#split} and {@link BytePlanes#merge}),
 * without zstd: the part of {@link PlanesCodec} that is ours.
 *
 * <p>Workload: one block of {@code size} bytes of random elements of {@code width} bytes in a
 * direct buffer, split into planes in a second direct buffer and merged back. The default size
 * is the codec's block ({@value PlanesCodec#BLOCK_BYTES} bytes, cache-resident, as the codec runs
 * it); 4 MiB shows the memory-bound case. Read the {@code :mb} rows: MB (10^6 bytes) of elements
 * per second on one core.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar PlanesTransformBenchmark -f 1 -wi 2 -i 3 -r 1s
 * </pre>
 */
@State(Scope.Thread)
public class PlanesTransformBenchmark extends AbstractMicrobenchmark {
  @Param({"2", "4", "8"})
  public int width;

  @Param({"262144", "4194304"})
  public int size;

  private ByteBuffer elements;
  private ByteBuffer planes;


  @Setup(Level.Trial)
  public void setUp() {
    byte[] b = new byte[size];
    new Random(1).nextBytes(b);
    elements = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    elements.put(0, b);
    planes = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Benchmark
  public ByteBuffer split(Throughput t) {
    BytePlanes.split(elements, 0, planes, 0, size / width, width);
    t.mb += size / MB;
    return planes;
  }

  @Benchmark
  public ByteBuffer merge(Throughput t) {
    BytePlanes.merge(planes, 0, elements, 0, size / width, width);
    t.mb += size / MB;
    return elements;
  }
}
