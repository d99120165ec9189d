package io.shardline.perf.wire;

import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecMask;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameCodec;
import io.shardline.engine.wire.FrameDecoder;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.wire.Protocol;
import io.shardline.perf.AbstractMicrobenchmark;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Frame encode and decode: a GET frame, a DATA frame of one 4 MiB chunk, and the streaming
 * {@link FrameDecoder} as the lane's pipeline runs it, on one core.
 *
 * <p>Workload, all buffers from the engine's allocator ({@link FrameSocket#ALLOC}), built once in
 * {@code @Setup}:
 * <ul>
 *   <li>{@code encodeGet} / {@code decodeGet}: a GET for 4 MiB at offset 1 TiB of a 47-byte path
 *       ({@link FrameCodec#encode}, {@link FrameCodec#decode}). Read ops/s.
 *   <li>{@code encodeData}: {@link FrameCodec#encode} of a DATA frame whose payload is a 4 MiB
 *       random chunk: the 26-byte prefix and header plus the payload, retained, in a composite
 *       buffer, as the lane writes it (no payload copy). Read ops/s.
 *   <li>{@code decodeData}: {@link FrameCodec#decode} of the whole wire form of that frame,
 *       contiguous: header parsing plus a retained slice of the payload (no payload copy).
 *       Read ops/s.
 *   <li>{@code streamData}: the same wire form fed to a {@link FrameDecoder} in an
 *       {@link EmbeddedChannel} as {@value #SLICE}-byte slices (the size of a TLS record, as
 *       {@code SslHandler} hands them up), one {@code writeInbound} per slice, then the decoded
 *       frame read out. The decoder copies the payload into one exact-size pooled buffer. Read
 *       the {@code :mb} row: megabytes (10^6 bytes) of decoded payload per second. The slices are
 *       retained slices of one precomputed buffer, so TLS itself is not measured.
 * </ul>
 * Every buffer a benchmark gets is released before it returns.
 *
 * <pre>
 * ./mvnw -B -pl perf -am package -DskipTests
 * java -jar perf/target/benchmarks.jar FrameBenchmark                         # full settings
 * java -jar perf/target/benchmarks.jar FrameBenchmark -f 1 -wi 2 -i 3 -r 1s   # quick look
 * </pre>
 */
@State(Scope.Thread)
public class FrameBenchmark extends AbstractMicrobenchmark {
  public static final int CHUNK_SIZE = 4 * 1024 * 1024;
  /** Bytes per inbound slice: the largest TLS record's plaintext. */
  public static final int SLICE = 16 * 1024;

  private final PooledByteBufAllocator alloc = FrameSocket.ALLOC;
  private Frame.Get get;
  private ByteBuf getWire;
  private ByteBuf payload;
  private Frame.Data data;
  private ByteBuf dataWire;
  private int maxFrame;
  private EmbeddedChannel channel;


  @Setup(Level.Trial)
  public void setUp() {
    get = new Frame.Get(7, "models/bert-base/model-00001-of-00004.safetensors", 1L << 40, CHUNK_SIZE,
        CodecMask.of(CodecId.IDENTITY).withAuto(true));
    getWire = FrameCodec.encode(get, alloc);
    byte[] b = new byte[CHUNK_SIZE];
    new Random(1).nextBytes(b);
    payload = alloc.directBuffer(CHUNK_SIZE, CHUNK_SIZE).writeBytes(b);
    data = new Frame.Data(7, 1L << 40, CodecId.IDENTITY, CHUNK_SIZE, 0x1234_5678, payload);
    ByteBuf header = FrameCodec.encodeDataHeader(data, alloc);
    dataWire = alloc.directBuffer(header.readableBytes() + CHUNK_SIZE);
    dataWire.writeBytes(header).writeBytes(payload, payload.readerIndex(), CHUNK_SIZE);
    header.release();
    maxFrame = Protocol.maxServerFrame(CHUNK_SIZE);
    channel = new EmbeddedChannel(new FrameDecoder(maxFrame, alloc));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    channel.finishAndReleaseAll();
    getWire.release();
    dataWire.release();
    payload.release();
  }

  @Benchmark
  public int encodeGet() {
    ByteBuf buf = FrameCodec.encode(get, alloc);
    int n = buf.readableBytes();
    buf.release();
    return n;
  }

  @Benchmark
  public Frame decodeGet() {
    getWire.readerIndex(0);
    return FrameCodec.decode(getWire, maxFrame);
  }

  @Benchmark
  public int encodeData() {
    ByteBuf buf = FrameCodec.encode(data, alloc);
    int n = buf.readableBytes();
    buf.release(); // releases the header and the extra retain on the payload
    return n;
  }

  @Benchmark
  public int decodeData() {
    dataWire.readerIndex(0);
    Frame.Data d = (Frame.Data) FrameCodec.decode(dataWire, maxFrame);
    int crc = d.crc();
    d.release();
    return crc;
  }

  @Benchmark
  public int streamData(Throughput t) {
    int total = dataWire.writerIndex();
    for (int at = 0; at < total; at += SLICE) {
      channel.writeInbound(dataWire.retainedSlice(at, Math.min(SLICE, total - at))); // decoder releases
    }
    Object out = channel.readInbound();
    if (!(out instanceof Frame.Data d)) {
      throw new IllegalStateException("expected a DATA frame, got " + out);
    }
    int n = d.payload().readableBytes();
    d.release();
    t.mb += n / MB;
    return n;
  }
}
