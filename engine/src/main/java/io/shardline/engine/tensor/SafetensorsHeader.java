package io.shardline.engine.tensor;

import com.fasterxml.jackson.core.JsonParser;
import io.shardline.engine.integrity.ChunkSums;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a safetensors file: an 8-byte little-endian length {@code N}, then {@code N}
 * bytes of UTF-8 JSON mapping tensor names to {@code {"dtype", "shape", "data_offsets": [begin,
 * end]}} (plus an optional {@code "__metadata__"} map of strings). Offsets are relative to the
 * data section, which starts right after the header at {@code 8 + N}: real files have odd header
 * lengths, so nothing here assumes alignment.
 *
 * <p>Parsing is strict, as in the reference implementation: every problem (a length over
 * {@link #MAX_HEADER_BYTES} or past the file's end, bad UTF-8 or JSON, duplicate names, missing
 * or mistyped fields, unknown dtypes, offsets that are negative, reversed, past the file's end,
 * overlapping, or that disagree with shape × width) fails with a {@link TensorFormatException}.
 * Gaps between tensors and bytes after the last one are allowed. Blocking I/O.
 */
public final class SafetensorsHeader {
  /** Largest header accepted (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;
  /** Bytes of the little-endian header length that starts the file. */
  public static final int LENGTH_BYTES = 8;

  private static final String METADATA = "__metadata__";

  /** One tensor: its element type, shape, and where its bytes are, counted from the file's start. */
  public record Tensor(String name, DType dtype, long[] shape, long start, long length) {
    public Tensor {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Number of elements (the product of the shape; 1 for a scalar). */
    public long elements() {
      return length / dtype.width();
    }

    /** One past the last byte. */
    public long end() {
      return start + length;
    }

    /** True if dtype and shape are the same as the other's (wherever the bytes are). */
    public boolean sameType(Tensor o) {
      return dtype == o.dtype && Arrays.equals(shape, o.shape);
    }

    /** The shape as text, e.g. {@code [768, 3072]}. */
    public String shapeText() {
      return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Tensor t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
          && t.start == start && t.length == length;
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + Long.hashCode(start);
    }

    @Override
    public String toString() {
      return name + " " + dtype + shapeText() + " @" + start + "+" + length;
    }
  }

  private final long headerLength;
  private final long fileSize;
  private final Map<String, String> metadata;
  private final List<Tensor> tensors;
  private final Map<String, Tensor> byName;

  private SafetensorsHeader(long headerLength, long fileSize, Map<String, String> metadata, List<Tensor> tensors) {
    this.headerLength = headerLength;
    this.fileSize = fileSize;
    this.metadata = Collections.unmodifiableMap(metadata);
    this.tensors = List.copyOf(tensors);
    Map<String, Tensor> m = new HashMap<>();
    for (Tensor t : tensors) {
      m.put(t.name(), t);
    }
    this.byName = m;
  }

  /** Reads and checks the header of {@code file}. */
  public static SafetensorsHeader read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(ch, file.toString());
    }
  }

  /**
   * Reads and checks the header of an open file ({@code label} names it in messages). Cheap on
   * files that are not safetensors: it reads 9 bytes and stops unless they look like a length
   * that fits the file followed by {@code '{'}.
   */
  public static SafetensorsHeader read(FileChannel ch, String label) throws IOException {
    long size = ch.size();
    if (size < LENGTH_BYTES + 2) {
      throw fail(label, "file of " + size + " bytes is too short for a safetensors header");
    }
    ByteBuffer head = ByteBuffer.allocate(LENGTH_BYTES + 1).order(ByteOrder.LITTLE_ENDIAN);
    ChunkSums.readFully(ch, head, 0);
    long n = head.getLong(0);
    checkLength(label, n, size);
    if (head.get(LENGTH_BYTES) != '{') {
      throw fail(label, "header does not start with '{'");
    }
    ByteBuffer json = ByteBuffer.allocate((int) n);
    ChunkSums.readFully(ch, json, LENGTH_BYTES);
    return parse(json.array(), size, label);
  }

  /**
   * Checks a header given as bytes: {@code json} is the {@code N} header bytes of a file of
   * {@code fileSize} bytes.
   */
  public static SafetensorsHeader parse(byte[] json, long fileSize, String label) {
    checkLength(label, json.length, fileSize);
    if (json.length == 0 || json[0] != '{') {
      throw fail(label, "header does not start with '{'");
    }
    if (!validUtf8(json)) {
      throw fail(label, "header is not valid UTF-8");
    }
    JsonObject root = parseJson(json, label);
    long dataStart = LENGTH_BYTES + (long) json.length;
    long dataSize = fileSize - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Tensor> tensors = new ArrayList<>();
    for (Map.Entry<String, Object> e : root) {
      String name = e.getKey();
      if (name.equals(METADATA)) {
        if (!(e.getValue() instanceof JsonObject meta)) {
          throw fail(label, METADATA + " is not an object");
        }
        for (Map.Entry<String, Object> m : meta) {
          if (!(m.getValue() instanceof String s)) {
            throw fail(label, METADATA + "." + m.getKey() + " is not a string");
          }
          metadata.put(m.getKey(), s);
        }
        continue;
      }
      tensors.add(tensor(label, name, e.getValue(), dataStart, dataSize));
    }
    tensors.sort(Comparator.comparingLong(Tensor::start).thenComparingLong(Tensor::length)
        .thenComparing(Tensor::name));
    checkOverlaps(label, tensors);
    return new SafetensorsHeader(json.length, fileSize, metadata, tensors);
  }

  private static void checkLength(String label, long n, long fileSize) {
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw fail(label, "header length " + Long.toUnsignedString(n) + " is over the limit of " + MAX_HEADER_BYTES + " bytes");
    }
    if (n > fileSize - LENGTH_BYTES) {
      throw fail(label, "header length " + n + " runs past the end of the file (" + fileSize + " bytes)");
    }
  }

  /** Strict UTF-8 check (no overlong forms, no surrogates) without decoding into a copy. */
  private static boolean validUtf8(byte[] bytes) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(8192);
    while (true) {
      out.clear();
      CoderResult r = d.decode(in, out, true);
      if (r.isError()) {
        return false;
      }
      if (r.isUnderflow()) {
        out.clear();
        return !d.flush(out).isError();
      }
    }
  }

  private static JsonObject parseJson(byte[] json, String label) {
    Object value;
    try (JsonParser p = JacksonCodec.createParser(Buffer.buffer(json))) { // bytes checked as UTF-8 above
      p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      value = JacksonCodec.fromParser(p, Object.class);
    } catch (IOException | RuntimeException e) { // DecodeException, and Jackson's stream-constraint errors
      throw new TensorFormatException(label + ": header is not valid JSON: " + firstLine(e.getMessage()), e);
    }
    if (!(value instanceof JsonObject o)) {
      throw fail(label, "header is not a JSON object");
    }
    return o;
  }

  private static Tensor tensor(String label, String name, Object value, long dataStart, long dataSize) {
    String where = "tensor '" + name + "'";
    if (!(value instanceof JsonObject info)) {
      throw fail(label, where + " is not an object");
    }
    if (!(info.getValue("dtype") instanceof String dtypeName)) {
      throw fail(label, where + ": dtype " + (info.containsKey("dtype") ? "is not a string" : "is missing"));
    }
    DType dtype = dtype(dtypeName);
    if (dtype == null) {
      throw fail(label, where + ": unknown dtype '" + dtypeName + "'");
    }
    long[] shape = integers(label, where, info, "shape", -1);
    long[] offsets = integers(label, where, info, "data_offsets", 2);
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw fail(label, where + ": data_offsets [" + begin + ", " + end + "] are reversed");
    }
    if (end > dataSize) {
      throw fail(label, where + ": data_offsets end " + end + " is past the end of the data section ("
          + Math.max(0, dataSize) + " bytes)");
    }
    long bytes;
    try {
      long elements = 1;
      for (long d : shape) {
        elements = Math.multiplyExact(elements, d);
      }
      bytes = Math.multiplyExact(elements, (long) dtype.width());
    } catch (ArithmeticException e) {
      throw fail(label, where + ": shape " + Arrays.toString(shape) + " overflows");
    }
    if (end - begin != bytes) {
      throw fail(label, where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
          + " bytes but " + dtype + Arrays.toString(shape) + " needs " + bytes);
    }
    return new Tensor(name, dtype, shape, dataStart + begin, bytes);
  }

  /** The dtype named exactly as in safetensors (case-sensitive), never {@link DType#BYTES}. */
  private static DType dtype(String name) {
    DType d = DType.fromSafetensors(name);
    return d == null || d == DType.BYTES || !d.name().equals(name) ? null : d;
  }

  /** A JSON array of non-negative integers ({@code arity} of them, or any number when -1). */
  private static long[] integers(String label, String where, JsonObject info, String field, int arity) {
    Object v = info.getValue(field);
    if (!(v instanceof JsonArray a)) {
      throw fail(label, where + ": " + field + (v == null ? " is missing" : " is not an array"));
    }
    if (arity >= 0 && a.size() != arity) {
      throw fail(label, where + ": " + field + " has " + a.size() + " values, not " + arity);
    }
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      Object x = a.getValue(i);
      long n;
      if (x instanceof Integer || x instanceof Long || x instanceof Short || x instanceof Byte) {
        n = ((Number) x).longValue();
      } else if (x instanceof BigInteger) {
        throw fail(label, where + ": " + field + " value " + x + " is too large");
      } else {
        throw fail(label, where + ": " + field + " value " + x + " is not an integer");
      }
      if (n < 0) {
        throw fail(label, where + ": " + field + " value " + n + " is negative");
      }
      out[i] = n;
    }
    return out;
  }

  /** {@code tensors} sorted by start: no two non-empty ranges may share a byte. */
  private static void checkOverlaps(String label, List<Tensor> tensors) {
    Tensor last = null;
    for (Tensor t : tensors) {
      if (t.length() == 0) {
        continue;
      }
      if (last != null && t.start() < last.end()) {
        throw fail(label, "tensors '" + last.name() + "' and '" + t.name() + "' overlap");
      }
      last = t;
    }
  }

  private static TensorFormatException fail(String label, String message) {
    return new TensorFormatException(label + ": " + message);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** {@code N}: the JSON header's length in bytes. */
  public long headerLength() {
    return headerLength;
  }

  /** Where the data section starts: {@code 8 + N} (not necessarily aligned). */
  public long dataStart() {
    return LENGTH_BYTES + headerLength;
  }

  /** The file size the header was checked against. */
  public long fileSize() {
    return fileSize;
  }

  /** The {@code __metadata__} map (empty if absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensors, sorted by start offset. */
  public List<Tensor> tensors() {
    return tensors;
  }

  /** The tensor of that name, or null. */
  public Tensor tensor(String name) {
    return byName.get(name);
  }
}
