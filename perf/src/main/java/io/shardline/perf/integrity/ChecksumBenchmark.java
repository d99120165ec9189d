package io.shardline.perf.integrity;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.integrity.Sha256;
import io.shardline.perf.AbstractMicrobenchmark;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The integrity costs, on one core: the per-chunk CRC32C, the per-file root digest, and SHA-256
 * for comparison.
 *
 * <ul>
 *   <li>{@code crc32c}: {@link Crc32c#of(ByteBuf)} of one 4 MiB chunk of random bytes in a
 *       {@code direct} or {@code heap} buffer ({@code -p buffer=...}). Read the {@code :mb} row:
 *       megabytes (10^6 bytes) checksummed per second.
 *   <li>{@code sha256}: {@link MessageDigest} SHA-256 of the same 4 MiB buffer (one reused
 *       instance, fed the buffer's NIO view). Read the {@code :mb} row.
 *   <li>{@code sha256Engine}: {@link Sha256#of(ByteBuf)} of the same buffer: OpenSSL's libcrypto
 *       on JDK 22+ (direct buffers), the JDK's otherwise; the per-chunk hash of protocol v6. Run it
 *       with {@code -jvmArgsAppend -XX:TieredStopAtLevel=1} too: the pulling client runs C1 only.
 *   <li>{@code rootDigest}: {@link RootDigest#of} for a 1 TiB file in 4 MiB chunks: the Merkle
 *       root over 262,144 random chunk hashes (8 MiB of leaves), precomputed. Read ops/s: files per
 *       second; 1 / score is the digest cost per file, paid once before a file is published.
 * </ul>
 *
 * <pre>
 * ./mvnw -B -pl perf -am package -DskipTests
 * java -jar perf/target/benchmarks.jar ChecksumBenchmark                         # full settings
 * java -jar perf/target/benchmarks.jar ChecksumBenchmark -f 1 -wi 2 -i 3 -r 1s   # quick look
 * </pre>
 */
@State(Scope.Thread)
public class ChecksumBenchmark extends AbstractMicrobenchmark {
  public static final int CHUNK_SIZE = 4 * 1024 * 1024;
  /** 1 TiB. */
  public static final long FILE_SIZE = 1L << 40;
  /** Chunks of a 1 TiB file: 262,144. */
  public static final int FILE_CHUNKS = (int) (FILE_SIZE / CHUNK_SIZE);

  private byte[] chunkHashes;

  /** One 4 MiB chunk in the buffer kind named by {@code buffer}; params apply only to users. */
  @State(Scope.Thread)
  public static class Chunk {
    @Param({"direct", "heap"})
    public String buffer;

    ByteBuf buf;
    MessageDigest sha;

    @Setup(Level.Trial)
    public void setUp() throws NoSuchAlgorithmException {
      byte[] b = new byte[CHUNK_SIZE];
      new Random(1).nextBytes(b);
      buf = switch (buffer) {
        case "direct" -> Unpooled.directBuffer(CHUNK_SIZE, CHUNK_SIZE);
        case "heap" -> Unpooled.buffer(CHUNK_SIZE, CHUNK_SIZE);
        default -> throw new IllegalArgumentException("buffer " + buffer + " (direct, heap)");
      };
      buf.writeBytes(b);
      sha = MessageDigest.getInstance("SHA-256");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      buf.release();
    }
  }


  @Setup(Level.Trial)
  public void setUp() {
    Random r = new Random(2);
    chunkHashes = new byte[FILE_CHUNKS * Sha256.BYTES];
    for (int i = 0; i < chunkHashes.length; i++) {
      chunkHashes[i] = (byte) r.nextInt();
    }
  }

  @Benchmark
  public int crc32c(Chunk c, Throughput t) {
    int crc = Crc32c.of(c.buf);
    t.mb += CHUNK_SIZE / MB;
    return crc;
  }

  @Benchmark
  public byte[] sha256(Chunk c, Throughput t) {
    ByteBuffer nio = c.buf.nioBuffer();
    c.sha.update(nio);
    t.mb += CHUNK_SIZE / MB;
    return c.sha.digest();
  }

  @Benchmark
  public byte[] sha256Engine(Chunk c, Throughput t) {
    t.mb += CHUNK_SIZE / MB;
    return Sha256.of(c.buf);
  }

  @Benchmark
  public byte[] rootDigest() {
    return RootDigest.of(FILE_SIZE, CHUNK_SIZE, chunkHashes);
  }
}
