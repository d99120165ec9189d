package io.shardline.engine.tensor;

import static io.shardline.engine.tensor.TestSafetensors.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link SafetensorsHeader}: valid files with odd header lengths, and every kind of bad header. */
class SafetensorsHeaderTest {
  @TempDir
  Path dir;

  @Test
  void parsesManyDtypesWithAnOddHeaderLength() throws IOException {
    T w = T.of("w", DType.F32, TestSafetensors.f32(TestSafetensors.normal(6, 0.02, 1)));
    T b = new T("b", DType.BF16, new long[] {2, 3}, TestSafetensors.bf16(TestSafetensors.normal(6, 0.02, 2)));
    T h = T.of("h", DType.F16, TestSafetensors.f16(1f, -2f, 0.5f));
    T ids = new T("ids", DType.I64, new long[] {2, 1}, new byte[16]);
    T mask = T.of("mask", DType.U8, new byte[] {1, 0, 1, 1, 0});
    byte[] file = TestSafetensors.file(501, w, b, h, ids, mask);
    SafetensorsHeader hdr = SafetensorsHeader.read(TestSafetensors.write(dir.resolve("m.safetensors"), file));

    assertEquals(501, hdr.headerLength());
    assertEquals(509, hdr.dataStart()); // odd: not aligned, and nothing assumes it is
    assertEquals(file.length, hdr.fileSize());
    assertEquals(Map.of("format", "pt"), hdr.metadata());
    assertEquals(List.of("w", "b", "h", "ids", "mask"), TestSafetensors.names(hdr));
    long pos = 509;
    for (T t : List.of(w, b, h, ids, mask)) {
      SafetensorsHeader.Tensor x = hdr.tensor(t.name());
      assertEquals(t.dtype(), x.dtype());
      assertArrayEquals(t.shape(), x.shape());
      assertEquals(pos, x.start(), t.name());
      assertEquals(t.data().length, x.length());
      pos += t.data().length;
    }
    assertEquals(file.length, pos);
    assertEquals(6, hdr.tensor("b").elements());
    assertEquals("[2, 3]", hdr.tensor("b").shapeText());
    assertNull(hdr.tensor("nope"));
  }

  @Test
  void sortsByOffsetAndAllowsGapsScalarsAndEmptyTensors() throws IOException {
    String json = "{\"z\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[16,28]},"
        + "\"s\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[4,6]},"
        + "\"e\":{\"dtype\":\"F64\",\"shape\":[0,7],\"data_offsets\":[6,6]},"
        + "\"a\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}}  ";
    byte[] file = TestSafetensors.withHeader(json, new byte[33]); // 5 trailing bytes after the last tensor
    SafetensorsHeader h = SafetensorsHeader.read(TestSafetensors.write(dir.resolve("x"), file));
    assertEquals(List.of("a", "s", "e", "z"), TestSafetensors.names(h));
    long data = 8 + json.length();
    assertEquals(data + 16, h.tensor("z").start());
    assertEquals(1, h.tensor("s").elements());
    assertEquals(0, h.tensor("e").length());
    assertTrue(h.metadata().isEmpty());
  }

  @Test
  void parsesUnicodeNamesInALongHeader() throws IOException {
    String name = "gewicht_ä_層_\uD83D\uDE00";
    StringBuilder json = new StringBuilder("{\"__metadata__\":{\"note\":\"" + "é".repeat(10_000) + "\"}");
    json.append(",\"").append(name).append("\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
    SafetensorsHeader h = SafetensorsHeader.read(TestSafetensors.write(dir.resolve("u"),
        TestSafetensors.withHeader(json.toString(), new byte[8])));
    assertEquals(List.of(name), TestSafetensors.names(h));
    assertEquals(10_000, h.metadata().get("note").length());
  }

  @Test
  void parsesTheBertWrapperHeader() {
    String json = "{\"weights\":{\"dtype\":\"F32\",\"shape\":[110104890],\"data_offsets\":[0,440419560]}}";
    String padded = json + " ".repeat((8 - json.length() % 8) % 8);
    SafetensorsHeader h = SafetensorsHeader.parse(padded.getBytes(), 8 + padded.length() + 440_419_560L, "bert");
    assertEquals(0, h.dataStart() % 8);
    assertEquals(110_104_890L, h.tensor("weights").elements());
  }

  static Stream<Arguments> hostile() {
    String ok = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";
    return Stream.of(
        bad("shorter than a header", new byte[5], "too short"),
        bad("length over the limit", lengthThen(200_000_000L, "{}"), "over the limit"),
        bad("length with the top bit set", lengthThen(-1L, "{}"), "over the limit"),
        bad("length past the end", lengthThen(100, "{}"), "past the end of the file"),
        bad("length zero", lengthThen(0, "{}"), "does not start with '{'"),
        bad("leading space", h(" {}", 0), "does not start with '{'"),
        bad("top-level array", h("[1]", 0), "does not start with '{'"),
        bad("not UTF-8", TestSafetensors.withHeader(new byte[] {'{', '"', (byte) 0xC3, 0x28, '"', ':', '1', '}'}, new byte[0]), "UTF-8"),
        bad("overlong UTF-8", TestSafetensors.withHeader(new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'}, new byte[0]), "UTF-8"),
        bad("UTF-8 surrogate", TestSafetensors.withHeader(new byte[] {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '1', '}'}, new byte[0]), "UTF-8"),
        bad("bad UTF-8 deep in a long header", TestSafetensors.withHeader(
            utf8ThenByteThenUtf8("{\"__metadata__\":{\"k\":\"" + "ä".repeat(10_000), 0xFF, "\"}}"), new byte[0]), "UTF-8"),
        bad("truncated JSON", h("{\"a\":", 0), "not valid JSON"),
        bad("trailing token", h("{}{}", 0), "not valid JSON"),
        bad("trailing garbage", h("{} x", 0), "not valid JSON"),
        bad("NUL padding", h("{}\0\0", 0), "not valid JSON"),
        bad("duplicate tensor", h("{\"a\":{" + ok + "},\"a\":{" + ok + "}}", 8), "Duplicate field"),
        bad("metadata not an object", h("{\"__metadata__\":[1]}", 0), "__metadata__ is not an object"),
        bad("metadata value not a string", h("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__.k is not a string"),
        bad("tensor not an object", h("{\"a\":1}", 0), "'a' is not an object"),
        bad("dtype missing", h("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype is missing"),
        bad("dtype not a string", h("{\"a\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype is not a string"),
        bad("unknown dtype", h("{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype 'F33'"),
        bad("BYTES is not a dtype", h("{\"a\":{\"dtype\":\"BYTES\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8), "unknown dtype"),
        bad("dtype in lower case", h("{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype"),
        bad("shape missing", h("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "shape is missing"),
        bad("shape not an array", h("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8), "shape is not an array"),
        bad("shape negative", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "negative"),
        bad("shape fractional", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8), "not an integer"),
        bad("shape as a float", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8), "not an integer"),
        bad("shape as a string", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8), "not an integer"),
        bad("shape null", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,8]}}", 8), "not an integer"),
        bad("shape huge", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[123456789012345678901234],\"data_offsets\":[0,8]}}", 8), "too large"),
        bad("shape overflows", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), "overflows"),
        bad("bytes overflow", h("{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,8]}}", 8), "overflows"),
        bad("offsets missing", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "data_offsets is missing"),
        bad("one offset", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", 8), "has 1 values, not 2"),
        bad("three offsets", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}", 8), "has 3 values"),
        bad("negative offset", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "negative"),
        bad("fractional offset", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", 8), "not an integer"),
        bad("huge offset", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", 8), "too large"),
        bad("reversed offsets", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "reversed"),
        bad("end past the file", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 7), "past the end of the data section"),
        bad("end far past the file", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[9223372036854775799,9223372036854775807]}}", 8), "past the end"),
        bad("overlap", h("{\"a\":{" + ok + "},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap"),
        bad("same range twice", h("{\"a\":{" + ok + "},\"b\":{" + ok + "}}", 8), "overlap"),
        bad("length disagrees with shape", h("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12"),
        bad("length disagrees with dtype", h("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "needs 4"),
        bad("deep nesting", h("{\"__metadata__\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0), "not valid JSON"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void rejectsWithATypedError(String what, byte[] file, String expected) throws IOException {
    Path p = TestSafetensors.write(dir.resolve("bad.safetensors"), file);
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> SafetensorsHeader.read(p));
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertTrue(e.getMessage().contains(expected), () -> what + ": " + e.getMessage());
    assertTrue(e.getMessage().startsWith(p.toString()), e::getMessage);
  }

  @Test
  void parseOfBytesChecksTheLengthAgainstTheFile() {
    TensorFormatException e = assertThrows(TensorFormatException.class,
        () -> SafetensorsHeader.parse("{}".getBytes(), 9, "x"));
    assertTrue(e.getMessage().contains("past the end of the file"), e::getMessage);
  }

  private static Arguments bad(String what, byte[] file, String expected) {
    return Arguments.of(what, file, expected);
  }

  private static byte[] h(String json, int dataBytes) {
    return TestSafetensors.withHeader(json, new byte[dataBytes]);
  }

  private static byte[] utf8ThenByteThenUtf8(String before, int b, String after) {
    byte[] x = before.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] y = after.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return ByteBuffer.allocate(x.length + 1 + y.length).put(x).put((byte) b).put(y).array();
  }

  private static byte[] lengthThen(long n, String rest) {
    byte[] r = rest.getBytes();
    return ByteBuffer.allocate(8 + r.length).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put(r).array();
  }
}
