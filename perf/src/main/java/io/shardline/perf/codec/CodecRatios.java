package io.shardline.perf.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.codec.Codec;

/**
 * Prints the wire ratio (raw bytes / wire bytes, a chunk that does not shrink counting as raw)
 * of every codec on every data set, over more chunks than the JMH runs use. Same data sets and
 * real-data variables as {@link CodecBenchmark}. Throughput is {@link CodecBenchmark}'s job.
 *
 * <pre>
 * java -cp perf/target/benchmarks.jar io.shardline.perf.codec.CodecRatios [chunks]
 * </pre>
 */
public final class CodecRatios {
  private CodecRatios() {}

  public static void main(String[] args) {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    System.out.printf("%-7s %-9s %9s %14s %14s  %s%n", "data", "codec", "ratio", "raw bytes", "wire bytes",
        "source");
    for (String data : new String[] {"bf16", "fp32", "random"}) {
      ChunkData chunks = ChunkData.load(data, CodecBenchmark.CHUNK_SIZE, count);
      for (String name : new String[] {"identity", "zstd", "planes"}) {
        Codec codec = CodecBenchmark.codec(name);
        long rawBytes = 0;
        long wireBytes = 0;
        for (int i = 0; i < chunks.chunks.size(); i++) {
          byte[] b = chunks.chunks.get(i);
          ByteBuf raw = alloc.directBuffer(b.length).writeBytes(b);
          try {
            ByteBuf enc = codec.encode(raw, chunks.segments.get(i), alloc);
            rawBytes += b.length;
            wireBytes += enc == null ? b.length : enc.readableBytes();
            if (enc != null) {
              enc.release();
            }
          } finally {
            raw.release();
          }
        }
        System.out.printf("%-7s %-9s %9.4f %,14d %,14d  %s%n", data, name, (double) rawBytes / wireBytes,
            rawBytes, wireBytes, chunks.source);
      }
    }
  }
}
