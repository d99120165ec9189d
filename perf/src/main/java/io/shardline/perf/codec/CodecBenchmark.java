package io.shardline.perf.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.codec.Codec;
import io.shardline.engine.codec.IdentityCodec;
import io.shardline.engine.codec.PlanesCodec;
import io.shardline.engine.tensor.Segment;
import io.shardline.engine.codec.ZstdCodec;
import io.shardline.perf.AbstractMicrobenchmark;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Compress and decompress throughput of each chunk codec, on one core.
 *
 * <p>Workload: {@value #CHUNKS} chunks of 4 MiB of one data set ({@link ChunkData}: BF16 or FP32
 * values from N(0, 0.02) with a fixed seed, or random bytes; or real safetensors data when
 * {@code SHARDLINE_BENCH_BF16} / {@code SHARDLINE_BENCH_FP32} name a file), each typed by one
 * segment, held in pooled direct buffers and encoded once in {@code @Setup}. {@code compress}
 * encodes the next chunk ({@link Codec#encode}; a chunk that does not shrink costs the attempt
 * and yields {@code null}); {@code decompress} decodes the next chunk's wire form: the encoding,
 * or for a chunk that did not shrink the raw bytes through identity, as a pull would. Output
 * buffers come from {@link PooledByteBufAllocator#DEFAULT} and are released at once.
 *
 * <p>Read the {@code :mb} rows: megabytes (10^6 bytes) of raw chunk data per second, per core.
 * ({@code compress} with {@code identity} measures nothing: identity never encodes, it answers
 * {@code null} at once.)
 * The wire ratio (raw bytes / wire bytes) of each (codec, data) pair is printed at set-up.
 *
 * <pre>
 * ./mvnw -B -pl perf -am package -DskipTests
 * java -jar perf/target/benchmarks.jar CodecBenchmark                         # full settings
 * java -jar perf/target/benchmarks.jar CodecBenchmark -f 1 -wi 2 -i 3 -r 1s   # quick look
 * SHARDLINE_BENCH_BF16=bert-bf16.safetensors SHARDLINE_BENCH_FP32=bert-fp32.safetensors \
 *   java -jar perf/target/benchmarks.jar CodecBenchmark -p data=bf16,fp32      # real weights
 * </pre>
 */
@State(Scope.Thread)
public class CodecBenchmark extends AbstractMicrobenchmark {
  /** Chunks per data set, cycled through. */
  public static final int CHUNKS = 4;
  public static final int CHUNK_SIZE = 4 * 1024 * 1024;

  @Param({"identity", "zstd", "planes"})
  public String codec;

  @Param({"bf16", "fp32", "random"})
  public String data;

  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private Codec encoder;
  private ByteBuf[] raw;
  private List<List<Segment>> segments;
  private ByteBuf[] wire;
  private Codec[] wireCodec;
  private int next;


  /** The codec named on the command line, at its default level. */
  public static Codec codec(String name) {
    return switch (name) {
      case "identity" -> new IdentityCodec();
      case "zstd" -> new ZstdCodec();
      case "planes" -> new PlanesCodec();
      default -> throw new IllegalArgumentException("codec " + name + " (identity, zstd, planes)");
    };
  }

  @Setup(Level.Trial)
  public void setUp() {
    encoder = codec(codec);
    ChunkData chunks = ChunkData.load(data, CHUNK_SIZE, CHUNKS);
    segments = chunks.segments;
    int n = chunks.chunks.size();
    raw = new ByteBuf[n];
    wire = new ByteBuf[n];
    wireCodec = new Codec[n];
    long rawBytes = 0;
    long wireBytes = 0;
    for (int i = 0; i < n; i++) {
      byte[] b = chunks.chunks.get(i);
      raw[i] = alloc.directBuffer(b.length, b.length).writeBytes(b);
      ByteBuf enc = encoder.encode(raw[i], segments.get(i), alloc);
      wire[i] = enc != null ? enc : raw[i].retainedDuplicate();
      wireCodec[i] = enc != null ? encoder : new IdentityCodec();
      rawBytes += b.length;
      wireBytes += wire[i].readableBytes();
    }
    System.out.printf("%n# %s on %s (%s): wire ratio %.4f (%,d raw bytes -> %,d wire bytes)%n",
        codec, data, chunks.source, (double) rawBytes / wireBytes, rawBytes, wireBytes);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (int i = 0; i < raw.length; i++) {
      raw[i].release();
      wire[i].release();
    }
  }

  @Benchmark
  public Object compress(Throughput t) {
    int i = next++ & (raw.length - 1);
    ByteBuf enc = encoder.encode(raw[i], segments.get(i), alloc);
    t.mb += raw[i].readableBytes() / MB;
    if (enc == null) {
      return null;
    }
    int size = enc.readableBytes();
    enc.release();
    return size;
  }

  @Benchmark
  public Object decompress(Throughput t) {
    int i = next++ & (raw.length - 1);
    int rawLength = raw[i].readableBytes();
    ByteBuf out = wireCodec[i].decode(wire[i], rawLength, alloc);
    t.mb += rawLength / MB;
    int b = out.getByte(rawLength - 1);
    out.release();
    return b;
  }
}
