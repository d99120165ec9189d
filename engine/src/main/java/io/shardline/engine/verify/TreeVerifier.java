package io.shardline.engine.verify;

import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.tensor.SafetensorsHeader;
import io.shardline.engine.tensor.SafetensorsHeader.Tensor;
import io.shardline.engine.tensor.TensorDiff;
import io.shardline.engine.tensor.TensorFormatException;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
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
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How far two replicas have drifted: files compared chunk by chunk (CRC32C and bytes, as a pull's
 * manifest cuts them); safetensors files that differ then compared tensor by tensor (differing
 * elements, L1 norm of the difference, max |diff|), reading values only where the bytes differ
 * when both files lay the tensor out at the same offset. Memory stays at two chunks plus two
 * {@link TensorDiff#BLOCK}s whatever the sizes. Blocking; one instance per thread (it owns its
 * buffers).
 */
public final class TreeVerifier {
  /** Chunk ranges listed per file (the count is always exact). */
  public static final int LISTED_CHUNKS = 1000;
  /** The directory a pull keeps its state in, skipped at the top of a tree. */
  public static final String STATE_DIR = ".shardline";

  private final int chunkSize;
  private final ByteBuffer bufA;
  private final ByteBuffer bufB;
  private final TensorDiff diff = new TensorDiff();

  public TreeVerifier(int chunkSize) {
    this.chunkSize = chunkSize;
    this.bufA = ByteBuffer.allocateDirect(chunkSize);
    this.bufB = ByteBuffer.allocateDirect(chunkSize);
  }

  /** Compares two files, or two trees (by relative name). */
  public Report compare(Path a, Path b) throws IOException {
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

  private FileReport compareFile(String name, Path a, Path b) throws IOException {
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
          if (listed.size() < LISTED_CHUNKS) {
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

/**
 * The parts of a tensor at {@code start} (of {@code length} bytes, elements of {@code width})
 * that lie in differing chunks, widened to element boundaries, relative to the tensor's start.
 */
public static List<TensorDiff.Range> differingRanges(long start, long length, int width, BitSet differing, int chunkSize) {
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
}
