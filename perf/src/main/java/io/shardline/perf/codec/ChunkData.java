package io.shardline.perf.codec;

import io.shardline.engine.tensor.Segment;
import io.shardline.engine.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chunks the codec benchmarks run on: {@code count} chunks of {@code chunkSize} bytes of one
 * data set, each with its segment list.
 *
 * <ul>
 *   <li>{@code bf16}, {@code fp32}: values drawn from N(0, 0.02) (the spread of trained
 *       transformer weights) with a fixed seed; BF16 rounds the float to nearest even.
 *   <li>{@code random}: uniformly random bytes, which no codec can shrink.
 * </ul>
 *
 * <p>Real data: when the environment variable {@code SHARDLINE_BENCH_BF16} (or
 * {@code SHARDLINE_BENCH_FP32}) names a safetensors file, {@code bf16} ({@code fp32}) is read from
 * that file instead: chunks evenly spaced over its data section, aligned to the data section's
 * start (so no chunk starts mid-value), typed with the file's dtype. The file must hold a single
 * dtype, like the BERT files of issue 3 (one tensor). The system properties
 * {@code shardline.bench.bf16} and {@code shardline.bench.fp32} work too; JMH runs benchmarks in
 * a forked JVM, so pass them with {@code -jvmArgsAppend -Dshardline.bench.bf16=...}.
 */
public final class ChunkData {
  /** The data set's name. */
  public final String name;
  /** Where the data came from ("synthetic N(0, 0.02)" or a file). */
  public final String source;
  public final List<byte[]> chunks;
  public final List<List<Segment>> segments;

  private ChunkData(String name, String source, List<byte[]> chunks, List<List<Segment>> segments) {
    this.name = name;
    this.source = source;
    this.chunks = chunks;
    this.segments = segments;
  }

  /** The data set {@code name} (bf16, fp32, random): real data if configured, else synthetic. */
  public static ChunkData load(String name, int chunkSize, int count) {
    Path real = realFile(name);
    if (real != null) {
      return fromSafetensors(name, real, chunkSize, count);
    }
    List<byte[]> chunks = new ArrayList<>();
    List<List<Segment>> segments = new ArrayList<>();
    Random r = new Random(0x5EED + name.hashCode());
    DType dtype = switch (name) {
      case "bf16" -> DType.BF16;
      case "fp32" -> DType.F32;
      case "random" -> DType.BYTES;
      default -> throw new IllegalArgumentException("data set " + name + " (bf16, fp32, random)");
    };
    for (int c = 0; c < count; c++) {
      byte[] b = new byte[chunkSize];
      ByteBuffer v = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      switch (dtype) {
        case BF16 -> {
          for (int i = 0; i + 2 <= chunkSize; i += 2) {
            v.putShort(i, (short) bf16((float) (r.nextGaussian() * 0.02)));
          }
        }
        case F32 -> {
          for (int i = 0; i + 4 <= chunkSize; i += 4) {
            v.putFloat(i, (float) (r.nextGaussian() * 0.02));
          }
        }
        default -> r.nextBytes(b);
      }
      chunks.add(b);
      segments.add(List.of(new Segment(0, chunkSize, dtype)));
    }
    String source = dtype == DType.BYTES ? "synthetic uniform random bytes" : "synthetic N(0, 0.02)";
    return new ChunkData(name, source, chunks, segments);
  }

  /** A float to BF16 bits, rounding to nearest even (no NaN is drawn). */
  static int bf16(float f) {
    int x = Float.floatToRawIntBits(f);
    return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
  }

  /** The real file configured for {@code name}, or null. */
  static Path realFile(String name) {
    if (name.equals("random")) {
      return null;
    }
    String v = System.getProperty("shardline.bench." + name);
    if (v == null || v.isBlank()) {
      v = System.getenv("SHARDLINE_BENCH_" + name.toUpperCase(Locale.ROOT));
    }
    return v == null || v.isBlank() ? null : Path.of(v);
  }

  private static final Pattern DTYPE = Pattern.compile("\"dtype\"\\s*:\\s*\"([A-Za-z0-9_]+)\"");

  static ChunkData fromSafetensors(String name, Path file, int chunkSize, int count) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0);
      long headerLength = len.getLong(0);
      if (headerLength <= 0 || headerLength > 100_000_000 || 8 + headerLength > ch.size()) {
        throw new IllegalArgumentException(file + ": not a safetensors file (header length "
            + headerLength + ")");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(ch, header, 8);
      String json = new String(header.array(), StandardCharsets.UTF_8);
      TreeSet<String> dtypes = new TreeSet<>();
      Matcher m = DTYPE.matcher(json);
      while (m.find()) {
        dtypes.add(m.group(1));
      }
      if (dtypes.size() != 1 || DType.fromSafetensors(dtypes.first()) == null) {
        throw new IllegalArgumentException(file + ": needs exactly one known dtype, has " + dtypes);
      }
      DType dtype = DType.fromSafetensors(dtypes.first());
      long dataStart = 8 + headerLength;
      long dataLength = ch.size() - dataStart;
      long available = dataLength / chunkSize;
      if (available < 1) {
        throw new IllegalArgumentException(file + ": data section smaller than one chunk");
      }
      int n = (int) Math.min(count, available);
      List<byte[]> chunks = new ArrayList<>();
      List<List<Segment>> segments = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        long index = available * c / n; // evenly spaced over the data section
        byte[] b = new byte[chunkSize];
        readFully(ch, ByteBuffer.wrap(b), dataStart + index * chunkSize);
        chunks.add(b);
        segments.add(List.of(new Segment(0, chunkSize, dtype)));
      }
      return new ChunkData(name, file + " (" + dtype + ", " + n + " of " + available + " chunks)", chunks,
          segments);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b, at + b.position()) < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }
}
