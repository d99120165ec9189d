package io.shardline.engine.tensor;

import static io.shardline.engine.tensor.TestSafetensors.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.testutil.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DTypeMap}: regions of a safetensors file, and chunks cut at their boundaries. */
class DTypeMapTest {
  @TempDir
  Path dir;

  // Header of 229 bytes (data at 237, odd), then F32 "a" [237, 277), F32 "b" [277, 285) (merged with
  // a), BF16 "c" [285, 305), a 3-byte gap, U8 "d" [308, 313), then 7 trailing bytes: 320 bytes.
  private DTypeMap map;
  private byte[] file;

  @BeforeEach
  void makeFile() throws IOException {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40]},"
        + "\"c\":{\"dtype\":\"BF16\",\"shape\":[10],\"data_offsets\":[48,68]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]},"
        + "\"d\":{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[71,76]}}";
    json = json + " ".repeat(229 - json.length());
    file = TestSafetensors.withHeader(json, TestFiles.bytes(83, 7));
    map = DTypeMap.of(TestSafetensors.write(dir.resolve("m.safetensors"), file));
  }

  @Test
  void regionsCoverTheFileAndMergeNeighboursOfOneType() {
    assertEquals(320, map.size());
    assertEquals(List.of(
        new DTypeMap.Region(0, 237, DType.BYTES),
        new DTypeMap.Region(237, 48, DType.F32),
        new DTypeMap.Region(285, 20, DType.BF16),
        new DTypeMap.Region(305, 3, DType.BYTES),
        new DTypeMap.Region(308, 5, DType.U8),
        new DTypeMap.Region(313, 7, DType.BYTES)), map.regions());
    assertTrue(map.typed());
  }

  @Test
  void segmentsSplitAtTensorBoundaries() {
    assertEquals(List.of(seg(0, 64, DType.BYTES)), map.segments(0, 64), "inside the header");
    assertEquals(List.of(seg(0, 13, DType.BYTES), seg(13, 48, DType.F32), seg(61, 3, DType.BF16)),
        map.segments(224, 64), "header | F32 | BF16, ending mid-value");
    assertEquals(List.of(seg(0, 1, DType.BYTES), seg(1, 20, DType.BF16), seg(21, 3, DType.BYTES), seg(24, 5, DType.U8),
        seg(29, 3, DType.BYTES)), map.segments(284, 32), "starting mid-value: the partial element is plain bytes");
    assertEquals(List.of(seg(0, 7, DType.BYTES)), map.segments(313, 7), "the file's last bytes");
    assertEquals(List.of(seg(0, 2, DType.U8), seg(2, 7, DType.BYTES)), map.segments(311, 9), "last chunk, short");
    assertEquals(List.of(seg(0, 48, DType.F32)), map.segments(237, 48), "exactly one region");
  }

  @Test
  void bytesPastTheEndAreUntypedAndEmptyChunksHaveNoSegments() {
    assertEquals(List.of(seg(0, 5, DType.U8), seg(5, 27, DType.BYTES)), map.segments(308, 32));
    assertEquals(List.of(seg(0, 16, DType.BYTES)), map.segments(320, 16));
    assertEquals(List.of(seg(0, 16, DType.BYTES)), map.segments(1000, 16));
    assertEquals(List.of(), map.segments(100, 0));
    assertThrows(IllegalArgumentException.class, () -> map.segments(-1, 4));
    assertThrows(IllegalArgumentException.class, () -> map.segments(0, -4));
    assertThrows(IllegalArgumentException.class, () -> map.segments(Long.MAX_VALUE - 2, 4));
  }

  @Test
  void segmentsAgreeWithAByteByByteLookupForRandomChunks() {
    DType[] perByte = new DType[file.length];
    long[] regionStart = new long[file.length];
    for (DTypeMap.Region r : map.regions()) {
      for (long i = r.start(); i < r.end(); i++) {
        perByte[(int) i] = r.dtype();
        regionStart[(int) i] = r.start();
      }
    }
    SplittableRandom rnd = new SplittableRandom(3);
    for (int trial = 0; trial < 2000; trial++) {
      long off = rnd.nextInt(file.length + 8);
      int len = rnd.nextInt(1, 80);
      List<Segment> segs = map.segments(off, len);
      int pos = 0;
      DType prev = null;
      for (Segment s : segs) {
        assertEquals(pos, s.offset());
        assertTrue(s.length() > 0);
        assertTrue(s.dtype() != prev, "neighbouring segments have different types");
        if (s.dtype() != DType.BYTES) {
          long first = off + pos;
          assertEquals(0, (first - regionStart[(int) first]) % s.dtype().width(), "typed segments start on an element");
        }
        for (int i = 0; i < s.length(); i++) {
          long abs = off + pos + i;
          DType want = abs < file.length ? perByte[(int) abs] : DType.BYTES;
          boolean leadingPartial = pos == 0 && abs < file.length && s.dtype() == DType.BYTES
              && (abs - regionStart[(int) abs]) / want.width() == (off - regionStart[(int) abs]) / want.width()
              && (off - regionStart[(int) abs]) % want.width() != 0;
          assertEquals(leadingPartial ? DType.BYTES : want, s.dtype(), "byte " + abs);
        }
        pos += s.length();
        prev = s.dtype();
      }
      assertEquals(len, pos, "covers the chunk exactly");
    }
  }

  @Test
  void otherFilesAreAllBytes() throws IOException {
    Path gguf = dir.resolve("model.gguf");
    byte[] g = TestFiles.bytes(4096, 1);
    System.arraycopy("GGUF".getBytes(StandardCharsets.US_ASCII), 0, g, 0, 4);
    Files.write(gguf, g);
    Path raw = dir.resolve("raw.bin");
    TestFiles.write(raw, 10_000, 2);
    Path tiny = dir.resolve("tiny");
    TestFiles.write(tiny, 3, 3);
    Path empty = Files.write(dir.resolve("empty"), new byte[0]);
    for (Path p : List.of(gguf, raw, tiny, empty)) {
      DTypeMap m = DTypeMap.of(p);
      long size = Files.size(p);
      assertFalse(m.typed(), p.toString());
      assertEquals(size == 0 ? List.of() : List.of(new DTypeMap.Region(0, size, DType.BYTES)), m.regions());
      assertEquals(Segment.bytes(3), m.segments(0, 3));
    }
  }

  @Test
  void aSafetensorsFileWithABadHeaderIsAllBytes() throws IOException {
    byte[] bad = file.clone();
    bad[8 + 30] = 'X'; // breaks the JSON: "shape":[10] becomes [1X]
    Path p = TestSafetensors.write(dir.resolve("bad.safetensors"), bad);
    DTypeMap m = DTypeMap.of(p);
    assertFalse(m.typed());
    assertEquals(List.of(new DTypeMap.Region(0, 320, DType.BYTES)), m.regions());
  }

  @Test
  void aMissingFileIsAnIoError() {
    assertThrows(IOException.class, () -> DTypeMap.of(dir.resolve("nope")));
  }

  @Test
  void realisticShardWithManyTensors() throws IOException {
    T[] ts = new T[12];
    for (int i = 0; i < ts.length; i++) {
      DType d = i % 3 == 0 ? DType.F32 : DType.BF16;
      ts[i] = T.of("layer" + i, d, TestSafetensors.encode(d, TestSafetensors.normal(1000 + i, 0.02, i)));
    }
    Path p = TestSafetensors.write(dir.resolve("shard.safetensors"), TestSafetensors.file(0, ts));
    DTypeMap m = DTypeMap.of(p);
    SafetensorsHeader h = SafetensorsHeader.read(p);
    long total = 0;
    for (DTypeMap.Region r : m.regions()) {
      total += r.length();
    }
    assertEquals(Files.size(p), total);
    for (SafetensorsHeader.Tensor t : h.tensors()) {
      List<Segment> s = m.segments(t.start(), (int) t.length());
      assertEquals(List.of(seg(0, (int) t.length(), t.dtype())), s, t.name());
    }
  }

  private static Segment seg(int off, int len, DType d) {
    return new Segment(off, len, d);
  }
}
