package io.shardline.engine.tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Builds small safetensors files for tests: typed tensors, chosen header padding, raw headers. */
public final class TestSafetensors {
  private TestSafetensors() {}

  /** A tensor to write: its element bytes are little-endian. */
  public record T(String name, DType dtype, long[] shape, byte[] data) {
    public static T of(String name, DType dtype, byte[] data) {
      return new T(name, dtype, new long[] {data.length / dtype.width()}, data);
    }
  }

  /**
   * A file holding {@code tensors} back to back in the given order, with metadata, and the JSON
   * header padded with spaces to exactly {@code headerLength} bytes (0: no padding).
   */
  public static byte[] file(int headerLength, T... tensors) {
    StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    long off = 0;
    for (T t : tensors) {
      json.append(",\"").append(t.name()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":")
          .append(Arrays.toString(t.shape()).replace(" ", "")).append(",\"data_offsets\":[").append(off).append(',')
          .append(off + t.data().length).append("]}");
      off += t.data().length;
    }
    json.append('}');
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    if (headerLength > 0) {
      if (headerLength < header.length) {
        throw new IllegalArgumentException("header needs " + header.length + " bytes");
      }
      byte[] padded = new byte[headerLength];
      Arrays.fill(padded, (byte) ' ');
      System.arraycopy(header, 0, padded, 0, header.length);
      header = padded;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (T t : tensors) {
      out.writeBytes(t.data());
    }
    return withHeader(header, out.toByteArray());
  }

  /** 8-byte little-endian length of {@code header}, the header, then {@code data}. */
  public static byte[] withHeader(byte[] header, byte[] data) {
    return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length).put(header).put(data).array();
  }

  public static byte[] withHeader(String header, byte[] data) {
    return withHeader(header.getBytes(StandardCharsets.UTF_8), data);
  }

  public static Path write(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    return Files.write(file, content);
  }

  public static byte[] f32(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  public static byte[] bf16(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putShort((short) Floats.floatToBf16(x));
    }
    return b.array();
  }

  public static byte[] f16(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putShort((short) Floats.floatToF16(x));
    }
    return b.array();
  }

  /** Encodes floats in a float dtype (F32, BF16 or F16). */
  public static byte[] encode(DType dtype, float... v) {
    return switch (dtype) {
      case F32 -> f32(v);
      case BF16 -> bf16(v);
      case F16 -> f16(v);
      default -> throw new IllegalArgumentException(dtype.toString());
    };
  }

  /** Decodes the element at {@code index} of a float tensor's bytes. */
  public static float decode(DType dtype, byte[] data, int index) {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    return switch (dtype) {
      case F32 -> b.getFloat(index * 4);
      case BF16 -> Floats.bf16ToFloat(b.getShort(index * 2));
      case F16 -> Floats.f16ToFloat(b.getShort(index * 2));
      default -> throw new IllegalArgumentException(dtype.toString());
    };
  }

  /** {@code n} values from N(0, std²), like trained weights; deterministic for a seed. */
  public static float[] normal(int n, double std, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * std);
    }
    return v;
  }

  /** The names of the tensors, in the header's (offset) order. */
  public static List<String> names(SafetensorsHeader h) {
    List<String> out = new ArrayList<>();
    h.tensors().forEach(t -> out.add(t.name()));
    return out;
  }
}
