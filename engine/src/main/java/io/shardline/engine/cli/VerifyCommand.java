package io.shardline.engine.cli;

import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.tensor.SafetensorsHeader;
import io.shardline.engine.tensor.SafetensorsHeader.Tensor;
import io.shardline.engine.tensor.TensorDiff;
import io.shardline.engine.tensor.TensorFormatException;
import io.shardline.engine.wire.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.wire.ShardlineException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardline verify A B}: how far two replicas have drifted. Files are compared chunk by
 * chunk (CRC32C and bytes, as a pull's manifest cuts them); safetensors files that differ are
 * then compared tensor by tensor (differing elements, L1 norm of the difference, max |diff|),
 * reading values only where the bytes differ when both files lay the tensor out at the same
 * offset. Memory stays at two chunks plus two {@link TensorDiff#BLOCK}s whatever the sizes.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Compare two files or two directory trees: which chunks differ (CRC32C per chunk), which files are missing "
            + "on either side, and for safetensors files, per tensor: differing elements, L1 norm of the difference "
            + "and max absolute difference.",
        "In a tree, a top-level .shardline directory (a pull's state) is skipped; symlinks to files are followed.",
        "Exit code: 0 identical, 1 different, 2 usage or I/O error."},
    footer = {"", "Elements differ when their bits differ (so +0 and -0 differ, by 0). A differing pair where either "
        + "side is NaN is counted (nanDiffering) but left out of L1 and max; an infinity against a finite value makes "
        + "them infinite (written \"Infinity\" in JSON)."})
final class VerifyCommand implements Callable<Integer> {
  /** Chunk ranges listed per file in JSON (the count is always exact). */
  static final int JSON_LISTED_CHUNKS = 1000;
  /** Runs of differing chunks listed per file in the human output. */
  static final int HUMAN_LISTED_RUNS = 8;
  /** The directory a pull keeps its state in, skipped at the top of a tree. */
  static final String STATE_DIR = ".shardline";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "A", description = "A file or a directory.")
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "A file or a directory (the same kind as A).")
  Path b;

  @Option(names = "--json", description = "Print exactly one JSON object with the comparison on stdout.")
  boolean json;

  @Option(names = "--chunk-size", defaultValue = "4MiB",
      description = "Chunk size for the byte comparison, e.g. 1MiB (default: ${DEFAULT-VALUE}, as pull).")
  String chunkSize;

  @Override
  public Integer call() {
    int cs = chunkSize();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Report r = new Verifier(cs).compare(a, b);
      out.println(json ? r.toJson().encode() : r.human());
      out.flush();
      return r.identical() ? 0 : 1;
    } catch (IOException | UncheckedIOException | ShardlineException e) {
      Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
      String msg = t instanceof NoSuchFileException n ? "no such file or directory: " + n.getFile()
          : t instanceof ShardlineException s ? s.getMessage() : ShardlineException.wrap(t, ErrorCode.IO_ERROR).getMessage();
      err.println("shardline verify: " + msg);
      err.flush();
      return 2;
    }
  }

  private int chunkSize() {
    long n;
    try {
      n = Sizes.parse(chunkSize);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--chunk-size: " + e.getMessage());
    }
    if (n < Protocol.MIN_CHUNK || n > Protocol.MAX_CHUNK) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--chunk-size must be between "
          + Sizes.human(Protocol.MIN_CHUNK) + " and " + Sizes.human(Protocol.MAX_CHUNK) + ", not " + chunkSize);
    }
    return (int) n;
  }

  // ---------------------------------------------------------------- the comparison

  /** Compares trees or files; blocking; one instance per thread (it owns its buffers). */
  static final class Verifier {
    private final int chunkSize;
    private final ByteBuffer bufA;
    private final ByteBuffer bufB;
    private final TensorDiff diff = new TensorDiff();

    Verifier(int chunkSize) {
      this.chunkSize = chunkSize;
      this.bufA = ByteBuffer.allocateDirect(chunkSize);
      this.bufB = ByteBuffer.allocateDirect(chunkSize);
    }

    Report compare(Path a, Path b) throws IOException {
      long t0 = System.nanoTime();
      for (Path p : List.of(a, b)) {
        if (!Files.exists(p)) {
          throw new NoSuchFileException(p.toString());
        }
      }
      boolean aDir = Files.isDirectory(a);
      if (aDir != Files.isDirectory(b)) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, (aDir ? a : b) + " is a directory and "
            + (aDir ? b : a) + " is not: compare two files or two directories");
      }
      List<FileReport> files = new ArrayList<>();
      if (!aDir) {
        files.add(compareFile(a.getFileName().toString(), a, b));
      } else {
        TreeMap<String, Path> fa = files(a);
        TreeMap<String, Path> fb = files(b);
        TreeSet<String> names = new TreeSet<>(fa.keySet());
        names.addAll(fb.keySet());
        for (String name : names) {
          files.add(compareFile(name, fa.get(name), fb.get(name)));
        }
      }
      return new Report(a.toString(), b.toString(), chunkSize, files, (System.nanoTime() - t0) / 1e9);
    }

    /** Regular files below {@code root} (symlinks to files followed), by '/'-separated relative name. */
    static TreeMap<String, Path> files(Path root) throws IOException {
      TreeMap<String, Path> out = new TreeMap<>();
      Path state = root.resolve(STATE_DIR);
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return dir.equals(state) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() || (attrs.isSymbolicLink() && Files.isRegularFile(file))) {
            List<String> parts = new ArrayList<>();
            for (Path part : root.relativize(file)) {
              parts.add(part.toString());
            }
            out.put(String.join("/", parts), file);
          }
          return FileVisitResult.CONTINUE;
        }
      });
      return out;
    }

    FileReport compareFile(String name, Path a, Path b) throws IOException {
      if (a == null || b == null) {
        Path p = a == null ? b : a;
        long size = Files.size(p);
        return new FileReport(name, a == null ? FileStatus.ONLY_IN_B : FileStatus.ONLY_IN_A,
            a == null ? -1 : size, b == null ? -1 : size, 0, null, List.of(), null, null);
      }
      try (FileChannel ca = FileChannel.open(a, StandardOpenOption.READ);
          FileChannel cb = FileChannel.open(b, StandardOpenOption.READ)) {
        long sizeA = ca.size();
        long sizeB = cb.size();
        int chunks = FileManifest.chunkCount(Math.max(sizeA, sizeB), chunkSize);
        BitSet differing = new BitSet(chunks);
        List<ChunkDiff> listed = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
          long off = (long) i * chunkSize;
          int lenA = (int) Math.max(0, Math.min(chunkSize, sizeA - off));
          int lenB = (int) Math.max(0, Math.min(chunkSize, sizeB - off));
          Integer crcA = read(ca, bufA, off, lenA);
          Integer crcB = read(cb, bufB, off, lenB);
          if (lenA != lenB || !crcA.equals(crcB) || bufA.mismatch(bufB) >= 0) {
            differing.set(i);
            if (listed.size() < JSON_LISTED_CHUNKS) {
              listed.add(new ChunkDiff(i, off, off + Math.max(lenA, lenB), lenA > 0 ? crcA : null, lenB > 0 ? crcB : null));
            }
          }
        }
        if (sizeA == sizeB && differing.isEmpty()) {
          return new FileReport(name, FileStatus.IDENTICAL, sizeA, sizeB, chunks, differing, listed, null, null);
        }
        SafetensorsHeader ha = null;
        SafetensorsHeader hb = null;
        String note = null;
        try {
          ha = SafetensorsHeader.read(ca, "A");
          hb = SafetensorsHeader.read(cb, "B");
        } catch (TensorFormatException e) {
          if (ha != null || name.endsWith(".safetensors")) {
            note = "not compared tensor by tensor: " + e.getMessage();
          }
          ha = null;
          hb = null;
        }
        List<TensorReport> tensors = ha == null ? null : compareTensors(ha, hb, ca, cb, differing);
        return new FileReport(name, FileStatus.DIFFERENT, sizeA, sizeB, chunks, differing, listed, tensors, note);
      }
    }

    /** Reads {@code len} bytes at {@code off} into {@code buf} (flipped) and returns their CRC32C. */
    private static Integer read(FileChannel ch, ByteBuffer buf, long off, int len) throws IOException {
      buf.clear().limit(len);
      ChunkSums.readFully(ch, buf, off);
      buf.flip();
      return Crc32c.of(buf);
    }

    private List<TensorReport> compareTensors(SafetensorsHeader ha, SafetensorsHeader hb, FileChannel ca,
        FileChannel cb, BitSet differingChunks) throws IOException {
      List<TensorReport> out = new ArrayList<>();
      for (Tensor ta : ha.tensors()) {
        Tensor tb = hb.tensor(ta.name());
        if (tb == null) {
          out.add(new TensorReport(ta.name(), TensorStatus.ONLY_IN_A, ta, null, null));
        } else if (ta.dtype() != tb.dtype()) {
          out.add(new TensorReport(ta.name(), TensorStatus.DTYPE_MISMATCH, ta, tb, null));
        } else if (!ta.sameType(tb)) {
          out.add(new TensorReport(ta.name(), TensorStatus.SHAPE_MISMATCH, ta, tb, null));
        } else {
          // Same place in both files: only the chunks whose bytes differ can hold differing values.
          List<TensorDiff.Range> ranges = ta.start() == tb.start()
              ? differingRanges(ta.start(), ta.length(), ta.dtype().width(), differingChunks, chunkSize)
              : List.of(new TensorDiff.Range(0, ta.length()));
          TensorDiff.Result r = diff.compare(ca, ta.start(), cb, tb.start(), ta.length(), ta.dtype(), ranges);
          out.add(new TensorReport(ta.name(), r.identical() ? TensorStatus.IDENTICAL : TensorStatus.DIFFERENT, ta, tb, r));
        }
      }
      for (Tensor tb : hb.tensors()) {
        if (ha.tensor(tb.name()) == null) {
          out.add(new TensorReport(tb.name(), TensorStatus.ONLY_IN_B, null, tb, null));
        }
      }
      return out;
    }
  }

  /**
   * The parts of a tensor at {@code start} (of {@code length} bytes, elements of {@code width})
   * that lie in differing chunks, widened to element boundaries, relative to the tensor's start.
   */
  static List<TensorDiff.Range> differingRanges(long start, long length, int width, BitSet differing, int chunkSize) {
    List<TensorDiff.Range> out = new ArrayList<>();
    if (length == 0) {
      return out;
    }
    int first = (int) (start / chunkSize);
    int last = (int) ((start + length - 1) / chunkSize);
    for (int c = differing.nextSetBit(first); c >= 0 && c <= last; ) {
      int runEnd = differing.nextClearBit(c); // exclusive
      long from = Math.max(start, (long) c * chunkSize) - start;
      long to = Math.min(start + length, (long) runEnd * chunkSize) - start;
      from = from / width * width;
      to = Math.min(length, (to + width - 1) / width * width);
      int n = out.size();
      if (n > 0 && from <= out.get(n - 1).to()) {
        out.set(n - 1, new TensorDiff.Range(out.get(n - 1).from(), to));
      } else {
        out.add(new TensorDiff.Range(from, to));
      }
      c = differing.nextSetBit(runEnd);
    }
    return out;
  }

  // ---------------------------------------------------------------- the report

  enum FileStatus {
    IDENTICAL("identical"), DIFFERENT("different"), ONLY_IN_A("onlyInA"), ONLY_IN_B("onlyInB");

    final String json;

    FileStatus(String json) {
      this.json = json;
    }
  }

  enum TensorStatus {
    IDENTICAL("identical"), DIFFERENT("different"), DTYPE_MISMATCH("dtypeMismatch"), SHAPE_MISMATCH("shapeMismatch"),
    ONLY_IN_A("onlyInA"), ONLY_IN_B("onlyInB");

    final String json;

    TensorStatus(String json) {
      this.json = json;
    }
  }

  /** A differing chunk; a CRC is null where that side has no bytes there. */
  record ChunkDiff(int index, long start, long end, Integer crcA, Integer crcB) {}

  record TensorReport(String name, TensorStatus status, Tensor a, Tensor b, TensorDiff.Result diff) {
    JsonObject toJson() {
      JsonObject o = new JsonObject().put("name", name).put("status", status.json);
      Tensor t = a != null ? a : b;
      if (status == TensorStatus.DTYPE_MISMATCH || status == TensorStatus.SHAPE_MISMATCH) {
        o.put("dtypeA", a.dtype().name()).put("dtypeB", b.dtype().name())
            .put("shapeA", shape(a)).put("shapeB", shape(b));
      } else {
        o.put("dtype", t.dtype().name()).put("shape", shape(t)).put("elements", t.elements());
      }
      if (diff != null) {
        o.put("differing", diff.differing()).put("nanDiffering", diff.nanDiffering())
            .put("l1", number(diff.l1())).put("maxAbsDiff", number(diff.maxAbs()));
      }
      return o;
    }

    String human() {
      String where = "  tensor " + name;
      return switch (status) {
        case IDENTICAL -> where + ": identical";
        case ONLY_IN_A -> where + ": only in A";
        case ONLY_IN_B -> where + ": only in B";
        case DTYPE_MISMATCH -> where + ": dtype " + a.dtype() + " vs " + b.dtype();
        case SHAPE_MISMATCH -> where + ": shape " + a.shapeText() + " vs " + b.shapeText();
        case DIFFERENT -> String.format(Locale.ROOT, "%s %s%s: %d of %d elements differ, L1 %.6g, max |diff| %.6g%s",
            where, a.dtype(), a.shapeText(), diff.differing(), diff.elements(), diff.l1(), diff.maxAbs(),
            diff.nanDiffering() > 0 ? " (" + diff.nanDiffering() + " involve NaN, not in L1 or max)" : "");
      };
    }

    private static JsonArray shape(Tensor t) {
      JsonArray s = new JsonArray();
      for (long d : t.shape()) {
        s.add(d);
      }
      return s;
    }

    /** JSON has no infinities: they are written as the strings "Infinity" and "-Infinity". */
    private static Object number(double d) {
      return Double.isFinite(d) ? (Object) d : Double.toString(d);
    }
  }

  /**
   * One file: sizes are -1 on the side where it is missing; {@code tensors} is null unless both
   * sides are safetensors files that differ.
   */
  record FileReport(String path, FileStatus status, long sizeA, long sizeB, int chunks, BitSet differingChunks,
      List<ChunkDiff> listedChunks, List<TensorReport> tensors, String note) {

    int differingChunkCount() {
      return differingChunks == null ? 0 : differingChunks.cardinality();
    }

    long tensorsDiffering() {
      return tensors == null ? 0 : tensors.stream().filter(t -> t.status() != TensorStatus.IDENTICAL).count();
    }

    JsonObject toJson() {
      JsonObject o = new JsonObject().put("path", path).put("status", status.json);
      if (sizeA >= 0) {
        o.put("sizeA", sizeA);
      }
      if (sizeB >= 0) {
        o.put("sizeB", sizeB);
      }
      if (status == FileStatus.IDENTICAL || status == FileStatus.DIFFERENT) {
        o.put("chunks", chunks).put("differingChunks", differingChunkCount());
      }
      if (status == FileStatus.DIFFERENT) {
        JsonArray cs = new JsonArray();
        for (ChunkDiff c : listedChunks) {
          JsonObject j = new JsonObject().put("index", c.index()).put("start", c.start()).put("end", c.end());
          j.put("crcA", c.crcA() == null ? null : String.format("%08x", c.crcA()));
          j.put("crcB", c.crcB() == null ? null : String.format("%08x", c.crcB()));
          cs.add(j);
        }
        o.put("chunkDiffs", cs).put("chunkDiffsTruncated", listedChunks.size() < differingChunkCount());
        o.put("safetensors", tensors != null);
        if (tensors != null) {
          JsonArray ts = new JsonArray();
          tensors.forEach(t -> ts.add(t.toJson()));
          o.put("tensorsCompared", tensors.size()).put("tensorsDiffering", tensorsDiffering()).put("tensors", ts);
        }
        if (note != null) {
          o.put("note", note);
        }
      }
      return o;
    }

    /** Lines for a file that is not identical. */
    void human(List<String> lines, int chunkSize) {
      switch (status) {
        case IDENTICAL -> {
          return;
        }
        case ONLY_IN_A -> lines.add("only in A  " + path + " (" + Sizes.human(sizeA) + ")");
        case ONLY_IN_B -> lines.add("only in B  " + path + " (" + Sizes.human(sizeB) + ")");
        case DIFFERENT -> {
          StringBuilder s = new StringBuilder("differs    ").append(path).append(": ");
          if (sizeA != sizeB) {
            s.append("size ").append(sizeA).append(" B vs ").append(sizeB).append(" B; ");
          }
          s.append(differingChunkCount()).append(" of ").append(chunks).append(" chunks differ: ").append(runs(chunkSize));
          lines.add(s.toString());
          if (tensors != null) {
            long bad = tensorsDiffering();
            if (bad == 0) {
              lines.add("  tensors: all " + tensors.size() + " identical (the header differs)");
            }
            tensors.stream().filter(t -> t.status() != TensorStatus.IDENTICAL).forEach(t -> lines.add(t.human()));
          }
          if (note != null) {
            lines.add("  note: " + note);
          }
        }
        default -> throw new IllegalStateException();
      }
    }

    /** Runs of differing chunks: {@code #3 [12582912, 16777216), #7-#9 [...)}, at most a few. */
    private String runs(int chunkSize) {
      List<String> out = new ArrayList<>();
      int runs = 0;
      long fileEnd = Math.max(sizeA, sizeB);
      for (int c = differingChunks.nextSetBit(0); c >= 0; c = differingChunks.nextSetBit(c + 1)) {
        int end = differingChunks.nextClearBit(c) - 1;
        if (runs++ < HUMAN_LISTED_RUNS) {
          out.add("#" + c + (end > c ? "-#" + end : "") + " [" + (long) c * chunkSize + ", "
              + Math.min(fileEnd, (long) (end + 1) * chunkSize) + ")");
        }
        c = end;
      }
      String s = String.join(", ", out);
      return runs > HUMAN_LISTED_RUNS ? s + ", ... (" + (runs - HUMAN_LISTED_RUNS) + " more runs)" : s;
    }
  }

  record Report(String a, String b, int chunkSize, List<FileReport> files, double seconds) {
    boolean identical() {
      return files.stream().allMatch(f -> f.status() == FileStatus.IDENTICAL);
    }

    long count(FileStatus s) {
      return files.stream().filter(f -> f.status() == s).count();
    }

    long bytes() {
      return files.stream().mapToLong(f -> Math.max(f.sizeA(), f.sizeB())).sum();
    }

    JsonObject toJson() {
      JsonArray fs = new JsonArray();
      files.forEach(f -> fs.add(f.toJson()));
      return new JsonObject()
          .put("identical", identical())
          .put("a", a)
          .put("b", b)
          .put("chunkSize", chunkSize)
          .put("files", files.size())
          .put("identicalFiles", count(FileStatus.IDENTICAL))
          .put("differentFiles", count(FileStatus.DIFFERENT))
          .put("onlyInA", count(FileStatus.ONLY_IN_A))
          .put("onlyInB", count(FileStatus.ONLY_IN_B))
          .put("tensorsDiffering", files.stream().mapToLong(FileReport::tensorsDiffering).sum())
          .put("bytes", bytes())
          .put("seconds", Math.round(seconds * 1000) / 1000.0)
          .put("fileReports", fs);
    }

    String human() {
      List<String> lines = new ArrayList<>();
      files.forEach(f -> f.human(lines, chunkSize));
      String tail = String.format(Locale.ROOT, " (chunk size %s, %.2f s)", Sizes.human(chunkSize), seconds);
      if (identical()) {
        lines.add("IDENTICAL: " + files.size() + (files.size() == 1 ? " file, " : " files, ") + Sizes.human(bytes()) + tail);
      } else {
        long tensors = files.stream().mapToLong(FileReport::tensorsDiffering).sum();
        lines.add("DIFFERENT: " + files.size() + (files.size() == 1 ? " file: " : " files: ")
            + count(FileStatus.IDENTICAL) + " identical, " + count(FileStatus.DIFFERENT) + " differ, "
            + count(FileStatus.ONLY_IN_A) + " only in A, " + count(FileStatus.ONLY_IN_B) + " only in B"
            + (tensors == 0 ? "" : tensors == 1 ? "; 1 tensor differs" : "; " + tensors + " tensors differ") + tail);
      }
      return String.join(System.lineSeparator(), lines);
    }
  }
}
