package io.shardline.engine.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.codec.Codec;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecMask;
import io.shardline.engine.codec.CodecPolicy;
import io.shardline.engine.codec.CodecSet;
import io.shardline.engine.codec.CompressionMeter;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a chunk read from disk into what goes on the wire: picks the codec ({@link CodecPolicy};
 * in auto mode from a 64 KiB sample and the lane's measured link rate against the measured
 * compression rate) and encodes. Runs on disk workers, never on an event loop. Thread-safe.
 */
final class ChunkEncoder {
  /** One in this many chunks that shrink but go as they are is compressed anyway, to re-measure. */
  static final int EXPLORE_EVERY = 32;
  private final AtomicLong explore = new AtomicLong();

  /** Bytes compressed to estimate whether a chunk shrinks. */
  static final int SAMPLE = 64 * 1024;

  /** A chunk ready to send: its codec, its payload (owned by the holder), raw length and CRC. */
  record Encoded(CodecId codec, ByteBuf payload, int rawLength, int crc) {}

  private final CodecSet codecs;
  private final CompressionMeter meter;
  private final ByteBufAllocator alloc;
  /**
   * Per kind of data (file extension, typed or not): whether its last sample shrank. Kinds that
   * do not shrink are sampled every 16th chunk, so a big incompressible file, and a tree of
   * thousands of small incompressible files, cost one sample in 16 chunks.
   */
  private final Cache<String, Shrink> shrink = Caffeine.newBuilder().maximumSize(1024).build();

  private record Shrink(boolean shrinks, AtomicInteger skip) {}

  private static String kind(String path, boolean floats) {
    int slash = path.lastIndexOf('/');
    int dot = path.lastIndexOf('.');
    return (floats ? "typed:" : "bytes:") + (dot > slash ? path.substring(dot) : "");
  }

  private void remember(String path, boolean shrinks) {
    shrink.put(path, new Shrink(shrinks, new AtomicInteger(shrinks ? 0 : 15)));
  }

  ChunkEncoder(CodecSet codecs, CompressionMeter meter, ByteBufAllocator alloc) {
    this.codecs = codecs;
    this.meter = meter;
    this.alloc = alloc;
  }

  /**
   * Runs the codecs on synthetic float data until the JIT has compiled them, so the first
   * measured encodes are not interpreter-slow (which would make auto mode believe compression is
   * slower than it is). Not recorded in the meter. Blocking, ~0.1 s: call once at start.
   */
  void warmUp() {
    int n = 1 << 20;
    ByteBuf raw = alloc.directBuffer(n, n);
    try {
      SplittableRandom rnd = new SplittableRandom(1);
      for (int i = 0; i < n; i += 2) {
        raw.writeShortLE(Float.floatToRawIntBits((float) (rnd.nextGaussian() * 0.02)) >>> 16);
      }
      List<Segment> bf16 = List.of(new Segment(0, n, DType.BF16));
      for (int i = 0; i < 12; i++) {
        for (CodecId id : List.of(CodecId.ZSTD, CodecId.PLANES)) {
          Codec c = codecs.get(id);
          ByteBuf enc = c.encode(raw, bf16, alloc);
          if (enc != null) {
            c.decode(enc, n, alloc).release();
            enc.release();
          }
        }
      }
    } finally {
      raw.release();
    }
  }

  CompressionMeter meter() {
    return meter;
  }

  /**
   * Encodes {@code chunk} (takes ownership of its bytes).
   *
   * @param segments the chunk's typed byte runs
   * @param linkRate the lane's measured link throughput, bytes/s (NaN if unknown)
   * @param compressRate compression throughput this lane can count on, bytes/s (NaN if unknown)
   */
  Encoded encode(String path, ChunkSource.Chunk chunk, List<Segment> segments, CodecMask mask, double linkRate,
      double compressRate) {
    ByteBuf raw = chunk.bytes();
    int len = raw.readableBytes();
    try {
      boolean floats = segments.stream().anyMatch(s -> s.dtype().floating());
      double sample = Double.NaN;
      if (CodecPolicy.wantsSample(mask) && len > 0) {
        String kind = kind(path, floats);
        Shrink seen = shrink.getIfPresent(kind);
        if (seen != null && !seen.shrinks && seen.skip.getAndDecrement() > 0) {
          sample = 1.0; // recent samples of this file did not shrink: skip sampling for a while
        } else {
          sample = sampleRatio(raw, segments, floats && mask.contains(CodecId.PLANES));
          if (len >= SAMPLE) {
            remember(kind, sample < CodecPolicy.SHRINK); // a tiny tail chunk says nothing about the rest
          }
        }
      }
      CodecId codec = CodecPolicy.choose(mask, floats, sample, linkRate, compressRate);
      if (codec == CodecId.IDENTITY && sample <= CodecPolicy.AUTO_SHRINK && !Double.isNaN(linkRate)
          && explore.incrementAndGet() % EXPLORE_EVERY == 0) {
        // It shrinks but the link looked faster than compressing: now and then compress anyway,
        // so the compression rate stays measured as conditions change.
        codec = CodecPolicy.choose(mask.withAuto(false), floats, sample, linkRate, compressRate);
      }
      if (codec != CodecId.IDENTITY && len > 0) {
        long t0 = System.nanoTime();
        ByteBuf enc = codecs.get(codec).encode(raw, segments, alloc);
        meter.record(len, System.nanoTime() - t0);
        if (enc != null) {
          raw.release();
          return new Encoded(codec, enc, len, chunk.crc());
        }
      }
      return new Encoded(CodecId.IDENTITY, raw, len, chunk.crc());
    } catch (RuntimeException e) {
      raw.release();
      throw e;
    }
  }

  /** Compressed/raw size of a sample from the middle of the chunk. */
  private double sampleRatio(ByteBuf raw, List<Segment> segments, boolean planes) {
    int len = raw.readableBytes();
    int n = Math.min(SAMPLE, len);
    int start = (len - n) / 2;
    Codec codec = codecs.get(planes ? CodecId.PLANES : CodecId.ZSTD);
    ByteBuf enc = codec.encode(raw.slice(raw.readerIndex() + start, n), clip(segments, start, n), alloc);
    if (enc == null) {
      return 1.0;
    }
    double ratio = (double) enc.readableBytes() / n; // (small samples are not timed: setup costs would skew the meter)
    enc.release();
    return ratio;
  }

  /** The segments covering [start, start + n) of the chunk, relative to {@code start}. */
  static List<Segment> clip(List<Segment> segments, int start, int n) {
    List<Segment> out = new ArrayList<>();
    int end = start + n;
    for (Segment s : segments) {
      int a = Math.max(s.offset(), start);
      int b = Math.min(s.offset() + s.length(), end);
      if (a < b) {
        // keep element alignment: a typed segment cut mid-element starts at its next element
        int width = s.dtype().width();
        int skew = (a - s.offset()) % width;
        if (skew != 0) {
          int pad = Math.min(width - skew, b - a);
          out.add(new Segment(a - start, pad, DType.BYTES));
          a += pad;
        }
        if (a < b) {
          out.add(new Segment(a - start, b - a, s.dtype()));
        }
      }
    }
    return out;
  }
}
