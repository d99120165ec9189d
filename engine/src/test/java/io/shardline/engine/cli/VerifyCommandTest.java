package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.SafetensorsHeader;
import io.shardline.engine.tensor.TensorDiff;
import io.shardline.engine.tensor.TestSafetensors;
import io.shardline.engine.tensor.TestSafetensors.T;
import io.shardline.engine.testutil.TestFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/** {@code shardline verify}: byte and tensor comparison of files and trees, exit codes, JSON. */
class VerifyCommandTest {
  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {
    JsonObject json() {
      return new JsonObject(out.trim()); // exactly one JSON object, or this throws
    }

    JsonObject file(String path) {
      for (Object o : json().getJsonArray("fileReports")) {
        JsonObject f = (JsonObject) o;
        if (f.getString("path").equals(path)) {
          return f;
        }
      }
      throw new AssertionError("no report for " + path + " in " + out);
    }

    static JsonObject tensor(JsonObject file, String name) {
      for (Object o : file.getJsonArray("tensors")) {
        JsonObject t = (JsonObject) o;
        if (t.getString("name").equals(name)) {
          return t;
        }
      }
      throw new AssertionError("no tensor " + name + " in " + file);
    }
  }

  /** Runs {@code shardline verify ARGS} through {@link Main}'s command line (so it is registered). */
  static Run verify(Object... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> a = new ArrayList<>(List.of("verify"));
    for (Object o : args) {
      a.add(o.toString());
    }
    int exit = cl.execute(a.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private Path tree(String name) throws IOException {
    Path root = dir.resolve(name);
    TestFiles.write(root.resolve("raw.bin"), 20_000, 1);
    TestFiles.write(root.resolve("sub/deeper/small.bin"), 100, 2);
    TestSafetensors.write(root.resolve("model.safetensors"), TestSafetensors.file(0,
        T.of("w", DType.BF16, TestSafetensors.bf16(TestSafetensors.normal(5000, 0.02, 3))),
        T.of("b", DType.F32, TestSafetensors.f32(TestSafetensors.normal(100, 0.02, 4)))));
    Files.write(root.resolve("empty"), new byte[0]);
    return root;
  }

  @Test
  void identicalTreesExitZero() throws IOException {
    Path a = tree("a");
    Path b = tree("b");
    TestFiles.write(b.resolve(".shardline/partial/raw.bin.part"), 10, 9); // a pull's state: skipped
    Run r = verify(a, b);
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().startsWith("IDENTICAL: 4 files"), r.out());
    Run j = verify(a, b, "--json");
    assertEquals(0, j.exit());
    JsonObject o = j.json();
    assertTrue(o.getBoolean("identical"));
    assertEquals(4, o.getInteger("files"));
    assertEquals(4, o.getInteger("identicalFiles"));
    assertEquals(4 << 20, o.getInteger("chunkSize"));
    assertEquals("identical", j.file("sub/deeper/small.bin").getString("status"));
    assertEquals(0, j.file("empty").getInteger("chunks"));
    for (String k : List.of("a", "b", "differentFiles", "onlyInA", "onlyInB", "tensorsDiffering", "bytes", "seconds")) {
      assertTrue(o.containsKey(k), k);
    }
  }

  @Test
  void oneFlippedByteReportsItsChunk() throws IOException {
    Path a = tree("a");
    Path b = tree("b");
    TestFiles.corrupt(b.resolve("raw.bin"), 9000);
    Run r = verify(a, b, "--chunk-size", "4k");
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("differs    raw.bin: 1 of 5 chunks differ: #2 [8192, 12288)"), r.out());
    assertTrue(r.out().contains("DIFFERENT: 4 files: 3 identical, 1 differ, 0 only in A, 0 only in B"), r.out());
    Run j = verify(a, b, "--chunk-size", "4k", "--json");
    assertEquals(1, j.exit());
    assertFalse(j.json().getBoolean("identical"));
    JsonObject f = j.file("raw.bin");
    assertEquals("different", f.getString("status"));
    assertEquals(1, f.getInteger("differingChunks"));
    assertEquals(5, f.getInteger("chunks"));
    JsonObject c = f.getJsonArray("chunkDiffs").getJsonObject(0);
    assertEquals(2, c.getInteger("index"));
    assertEquals(8192, c.getLong("start"));
    assertEquals(12288, c.getLong("end"));
    assertEquals(8, c.getString("crcA").length());
    assertFalse(c.getString("crcA").equals(c.getString("crcB")));
    assertFalse(f.getBoolean("safetensors"));
    assertFalse(f.getBoolean("chunkDiffsTruncated"));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
  void handComputedNormsPerTensor(DType d) throws IOException {
    float[] y = TestSafetensors.normal(1000, 0.02, 5);
    Path a = TestSafetensors.write(dir.resolve("a/m.safetensors"), TestSafetensors.file(0,
        T.of("x", d, TestSafetensors.encode(d, 1f, 2f, -3f)), T.of("y", d, TestSafetensors.encode(d, y))));
    Path b = TestSafetensors.write(dir.resolve("b/m.safetensors"), TestSafetensors.file(0,
        T.of("x", d, TestSafetensors.encode(d, 1.5f, 2f, -1f)), T.of("y", d, TestSafetensors.encode(d, y))));
    Run r = verify(a, b);
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("  tensor x " + d + "[3]: 2 of 3 elements differ, L1 2.50000, max |diff| 2.00000"), r.out());
    assertFalse(r.out().contains("tensor y"), r.out());
    assertTrue(r.out().contains("DIFFERENT: 1 file: 0 identical, 1 differ, 0 only in A, 0 only in B; 1 tensor differs"), r.out());
    Run j = verify(a, b, "--json");
    JsonObject f = j.file("m.safetensors");
    assertTrue(f.getBoolean("safetensors"));
    assertEquals(2, f.getInteger("tensorsCompared"));
    assertEquals(1, f.getInteger("tensorsDiffering"));
    JsonObject x = Run.tensor(f, "x");
    assertEquals("different", x.getString("status"));
    assertEquals(d.name(), x.getString("dtype"));
    assertEquals(new JsonArray().add(3), x.getJsonArray("shape"));
    assertEquals(3, x.getLong("elements"));
    assertEquals(2, x.getLong("differing"));
    assertEquals(0, x.getLong("nanDiffering"));
    assertEquals(2.5, x.getDouble("l1"));
    assertEquals(2.0, x.getDouble("maxAbsDiff"));
    JsonObject yr = Run.tensor(f, "y");
    assertEquals("identical", yr.getString("status"));
    assertEquals(0, yr.getLong("differing"));
    assertEquals(1, j.json().getInteger("tensorsDiffering"));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "BF16"})
  void bigTensorAcrossManyChunksWithAValueStraddlingAChunkBoundary(DType d) throws IOException {
    int n = 100_000;
    float[] x = TestSafetensors.normal(n, 0.02, 6);
    byte[] fileA = TestSafetensors.file(301, T.of("t", d, TestSafetensors.encode(d, x))); // data at 309: odd
    byte[] fileB = fileA.clone();
    long start = 309;
    int w = d.width();
    int chunk = 4096;
    // The element that straddles the boundary at 10 chunks: flip the sign bit in its last byte, which
    // lies in chunk 10 while the element starts in chunk 9 (byte-identical).
    int k = (int) ((10L * chunk - start) / w);
    assertTrue(start + (long) k * w < 10L * chunk && start + (long) (k + 1) * w > 10L * chunk);
    fileB[(int) (start + (long) k * w + w - 1)] ^= (byte) 0x80;
    int[] others = {0, 7777, 50_000, n - 1};
    for (int i : others) {
      fileB[(int) (start + (long) i * w)] ^= 0x01; // lowest mantissa bit
    }
    Path a = TestSafetensors.write(dir.resolve("a.safetensors"), fileA);
    Path b = TestSafetensors.write(dir.resolve("b.safetensors"), fileB);
    SafetensorsHeader h = SafetensorsHeader.read(b);
    byte[] ta = java.util.Arrays.copyOfRange(fileA, 309, fileA.length);
    byte[] tb = java.util.Arrays.copyOfRange(fileB, 309, fileB.length);
    TensorDiff.Result expected = TensorDiff.compare(ta, tb, d);
    assertEquals(5, expected.differing());
    assertEquals(h.tensor("t").length(), ta.length);

    Run j = verify(a, b, "--chunk-size", "4k", "--json");
    assertEquals(1, j.exit(), j.out() + j.err());
    JsonObject f = j.file("a.safetensors");
    assertEquals(5, f.getInteger("differingChunks"));
    JsonObject t = Run.tensor(f, "t");
    assertEquals(expected.differing(), t.getLong("differing"));
    assertEquals(expected.l1(), t.getDouble("l1"), 1e-15);
    assertEquals(expected.maxAbs(), t.getDouble("maxAbsDiff"));
    assertEquals(2 * Math.abs((double) TestSafetensors.decode(d, ta, k)), t.getDouble("maxAbsDiff"), 1e-12);
  }

  @Test
  void aDifferentHeaderWithIdenticalTensors() throws IOException {
    T w = T.of("w", DType.BF16, TestSafetensors.bf16(TestSafetensors.normal(3000, 0.02, 7)));
    T v = T.of("v", DType.F16, TestSafetensors.f16(TestSafetensors.normal(3000, 0.02, 8)));
    Path a = TestSafetensors.write(dir.resolve("a/m.safetensors"), TestSafetensors.file(0, w, v));
    Path b = TestSafetensors.write(dir.resolve("b/m.safetensors"), TestSafetensors.file(401, w, v)); // shifted data
    Run r = verify(a.getParent(), b.getParent(), "--chunk-size", "4k");
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("  tensors: all 2 identical (the header differs)"), r.out());
    JsonObject f = verify(a.getParent(), b.getParent(), "--json").file("m.safetensors");
    assertEquals(0, f.getInteger("tensorsDiffering"));
    assertEquals("identical", Run.tensor(f, "w").getString("status"));
  }

  @Test
  void nanAndInfinityAreReportedAndJsonStaysValid() throws IOException {
    Path a = TestSafetensors.write(dir.resolve("a.safetensors"), TestSafetensors.file(0,
        T.of("n", DType.F16, TestSafetensors.f16(1f, 2f, 3f)), T.of("i", DType.F32, TestSafetensors.f32(1f, 2f))));
    Path b = TestSafetensors.write(dir.resolve("b.safetensors"), TestSafetensors.file(0,
        T.of("n", DType.F16, TestSafetensors.f16(Float.NaN, 2f, 4f)),
        T.of("i", DType.F32, TestSafetensors.f32(Float.NEGATIVE_INFINITY, 2f))));
    Run r = verify(a, b);
    assertEquals(1, r.exit());
    assertTrue(r.out().contains("  tensor n F16[3]: 2 of 3 elements differ, L1 1.00000, max |diff| 1.00000 "
        + "(1 involve NaN, not in L1 or max)"), r.out());
    JsonObject f = verify(a, b, "--json").file("a.safetensors");
    assertEquals(1, Run.tensor(f, "n").getLong("nanDiffering"));
    assertEquals("Infinity", Run.tensor(f, "i").getString("l1"));
    assertEquals("Infinity", Run.tensor(f, "i").getString("maxAbsDiff"));
  }

  @Test
  void dtypeShapeAndNameMismatches() throws IOException {
    Path a = TestSafetensors.write(dir.resolve("a.safetensors"), TestSafetensors.file(0,
        T.of("x", DType.F32, TestSafetensors.f32(1, 2, 3, 4)),
        new T("y", DType.F32, new long[] {2, 2}, TestSafetensors.f32(1, 2, 3, 4)),
        T.of("z", DType.F32, TestSafetensors.f32(1))));
    Path b = TestSafetensors.write(dir.resolve("b.safetensors"), TestSafetensors.file(0,
        T.of("x", DType.BF16, TestSafetensors.bf16(1, 2, 3, 4)),
        T.of("y", DType.F32, TestSafetensors.f32(1, 2, 3, 4)),
        T.of("w", DType.F32, TestSafetensors.f32(1))));
    Run r = verify(a, b);
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("  tensor x: dtype F32 vs BF16"), r.out());
    assertTrue(r.out().contains("  tensor y: shape [2, 2] vs [4]"), r.out());
    assertTrue(r.out().contains("  tensor z: only in A"), r.out());
    assertTrue(r.out().contains("  tensor w: only in B"), r.out());
    JsonObject f = verify(a, b, "--json").file("a.safetensors");
    assertEquals(4, f.getInteger("tensorsDiffering"));
    JsonObject x = Run.tensor(f, "x");
    assertEquals("dtypeMismatch", x.getString("status"));
    assertEquals("F32", x.getString("dtypeA"));
    assertEquals("BF16", x.getString("dtypeB"));
    assertEquals("shapeMismatch", Run.tensor(f, "y").getString("status"));
    assertEquals(new JsonArray().add(2).add(2), Run.tensor(f, "y").getJsonArray("shapeA"));
    assertEquals("onlyInA", Run.tensor(f, "z").getString("status"));
    assertEquals("onlyInB", Run.tensor(f, "w").getString("status"));
  }

  @Test
  void missingFilesAndSizeDifferences() throws IOException {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    TestFiles.write(a.resolve("only-a"), 10, 1);
    TestFiles.write(b.resolve("only-b/x"), 20, 2);
    byte[] longer = TestFiles.write(b.resolve("grown"), 9000, 3);
    Files.write(a.resolve("grown"), java.util.Arrays.copyOf(longer, 5000));
    Run r = verify(a, b, "--chunk-size", "4k");
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("only in A  only-a (10 B)"), r.out());
    assertTrue(r.out().contains("only in B  only-b/x (20 B)"), r.out());
    assertTrue(r.out().contains("differs    grown: size 5000 B vs 9000 B; 2 of 3 chunks differ: #1-#2 [4096, 9000)"), r.out());
    Run j = verify(a, b, "--chunk-size", "4k", "--json");
    JsonObject o = j.json();
    assertEquals(3, o.getInteger("files"));
    assertEquals(1, o.getInteger("onlyInA"));
    assertEquals(1, o.getInteger("onlyInB"));
    assertEquals(1, o.getInteger("differentFiles"));
    JsonObject onlyA = j.file("only-a");
    assertEquals("onlyInA", onlyA.getString("status"));
    assertEquals(10, onlyA.getLong("sizeA"));
    assertNull(onlyA.getValue("sizeB"));
    JsonObject g = j.file("grown");
    assertEquals(5000, g.getLong("sizeA"));
    assertEquals(9000, g.getLong("sizeB"));
    JsonArray cs = g.getJsonArray("chunkDiffs");
    assertEquals(2, cs.size());
    assertEquals(1, cs.getJsonObject(0).getInteger("index"));
    assertEquals(8192, cs.getJsonObject(0).getLong("end"));
    JsonObject past = cs.getJsonObject(1);
    assertEquals(9000, past.getLong("end"));
    assertNull(past.getString("crcA"), "A has no bytes there");
    assertNotNull(past.getString("crcB"));
  }

  @Test
  void twoSingleFiles() throws IOException {
    Path a = dir.resolve("x.bin");
    TestFiles.write(a, 5000, 1);
    Path b = dir.resolve("y.bin");
    Files.copy(a, b);
    assertEquals(0, verify(a, b).exit());
    TestFiles.corrupt(b, 4999);
    Run r = verify(a, b, "--chunk-size", "4KiB");
    assertEquals(1, r.exit());
    assertTrue(r.out().contains("differs    x.bin: 1 of 2 chunks differ: #1 [4096, 5000)"), r.out());
  }

  @Test
  void aSafetensorsFileWhoseHeaderBrokeIsComparedByBytesWithANote() throws IOException {
    byte[] good = TestSafetensors.file(0, T.of("w", DType.F32, TestSafetensors.f32(1, 2, 3)));
    byte[] bad = good.clone();
    bad[9] = 'X';
    Path a = TestSafetensors.write(dir.resolve("a/m.safetensors"), good);
    Path b = TestSafetensors.write(dir.resolve("b/m.safetensors"), bad);
    Run r = verify(a.getParent(), b.getParent());
    assertEquals(1, r.exit());
    assertTrue(r.out().contains("  note: not compared tensor by tensor: B: header is not valid JSON"), r.out());
    JsonObject f = verify(a.getParent(), b.getParent(), "--json").file("m.safetensors");
    assertFalse(f.getBoolean("safetensors"));
    assertTrue(f.getString("note").contains("B: header is not valid JSON"), f::encode);
  }

  @Test
  void usageAndIoErrorsExitTwo() throws IOException {
    Path f = dir.resolve("f");
    TestFiles.write(f, 10, 1);
    Path d = Files.createDirectories(dir.resolve("d"));
    Run missing = verify(f, dir.resolve("nope"));
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("no such file or directory: " + dir.resolve("nope")), missing.err());
    Run kinds = verify(f, d);
    assertEquals(2, kinds.exit());
    assertTrue(kinds.err().contains("is a directory and"), kinds.err());
    Run badSize = verify(f, f, "--chunk-size", "lots");
    assertEquals(2, badSize.exit());
    assertTrue(badSize.err().contains("--chunk-size"), badSize.err());
    assertEquals(2, verify(f, f, "--chunk-size", "1k").exit());
    assertEquals(2, verify(f).exit());
    assertEquals(0, verify(f, f).exit());
  }

  @Test
  void helpIsRegistered() {
    Run r = verify("--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("Exit code: 0 identical, 1 different, 2 usage or I/O error."), r.out());
  }

  @Test
  void differingRangesAreWidenedToElementsAndMerged() {
    BitSet diff = new BitSet();
    diff.set(2);
    diff.set(3);
    diff.set(5);
    // tensor at 4001 (F32), 8000 bytes long, chunks of 1000: chunk 2 = [2000, 3000) is before it
    assertEquals(List.of(), io.shardline.engine.verify.TreeVerifier.differingRanges(4001, 0, 4, diff, 1000));
    BitSet d2 = new BitSet();
    d2.set(5);
    d2.set(7);
    // chunk 5 = [5000, 6000) -> tensor bytes [999, 1999) -> elements [996, 2000)
    // chunk 7 = [7000, 8000) -> [2999, 3999) -> [2996, 4000)
    assertEquals(List.of(new TensorDiff.Range(996, 2000), new TensorDiff.Range(2996, 4000)),
        io.shardline.engine.verify.TreeVerifier.differingRanges(4001, 8000, 4, d2, 1000));
    d2.set(6);
    assertEquals(List.of(new TensorDiff.Range(996, 4000)), io.shardline.engine.verify.TreeVerifier.differingRanges(4001, 8000, 4, d2, 1000));
    // the last chunk of the tensor: clipped to its end
    BitSet d3 = new BitSet();
    d3.set(12);
    assertEquals(List.of(new TensorDiff.Range(7996, 8000)), io.shardline.engine.verify.TreeVerifier.differingRanges(4001, 8000, 4, d3, 1000));
    // 8-byte elements and chunks that cut every element: neighbours merge
    BitSet d4 = new BitSet();
    d4.set(0);
    d4.set(2);
    assertEquals(List.of(new TensorDiff.Range(0, 16)), io.shardline.engine.verify.TreeVerifier.differingRanges(1, 16, 8, d4, 5));
  }
}
