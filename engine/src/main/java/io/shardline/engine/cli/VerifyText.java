package io.shardline.engine.cli;

import io.shardline.engine.verify.FileReport;
import io.shardline.engine.verify.FileStatus;
import io.shardline.engine.verify.Report;
import io.shardline.engine.verify.TensorReport;
import io.shardline.engine.verify.TensorStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The human-readable form of a {@code verify} {@link Report}: one line per file that is not identical, then a verdict. */
final class VerifyText {
  /** Runs of differing chunks listed per file. */
  static final int LISTED_RUNS = 8;

  private VerifyText() {}

  static String of(Report r) {
    List<String> lines = new ArrayList<>();
    r.files().forEach(f -> file(f, lines, r.chunkSize()));
    String tail = String.format(Locale.ROOT, " (chunk size %s, %.2f s)", Sizes.human(r.chunkSize()), r.seconds());
    if (r.identical()) {
      lines.add("IDENTICAL: " + r.files().size() + (r.files().size() == 1 ? " file, " : " files, ") + Sizes.human(r.bytes()) + tail);
    } else {
      long tensors = r.files().stream().mapToLong(FileReport::tensorsDiffering).sum();
      lines.add("DIFFERENT: " + r.files().size() + (r.files().size() == 1 ? " file: " : " files: ")
          + r.count(FileStatus.IDENTICAL) + " identical, " + r.count(FileStatus.DIFFERENT) + " differ, "
          + r.count(FileStatus.ONLY_IN_A) + " only in A, " + r.count(FileStatus.ONLY_IN_B) + " only in B"
          + (tensors == 0 ? "" : tensors == 1 ? "; 1 tensor differs" : "; " + tensors + " tensors differ") + tail);
    }
    return String.join(System.lineSeparator(), lines);
  }

  /** Lines for a file that is not identical. */
  private static void file(FileReport f, List<String> lines, int chunkSize) {
    switch (f.status()) {
      case IDENTICAL -> {
        return;
      }
      case ONLY_IN_A -> lines.add("only in A  " + f.path() + " (" + Sizes.human(f.sizeA()) + ")");
      case ONLY_IN_B -> lines.add("only in B  " + f.path() + " (" + Sizes.human(f.sizeB()) + ")");
      case DIFFERENT -> {
        StringBuilder s = new StringBuilder("differs    ").append(f.path()).append(": ");
        if (f.sizeA() != f.sizeB()) {
          s.append("size ").append(f.sizeA()).append(" B vs ").append(f.sizeB()).append(" B; ");
        }
        s.append(f.differingChunkCount()).append(" of ").append(f.chunks()).append(" chunks differ: ").append(runs(f, chunkSize));
        lines.add(s.toString());
        if (f.tensors() != null) {
          long bad = f.tensorsDiffering();
          if (bad == 0) {
            lines.add("  tensors: all " + f.tensors().size() + " identical (the header differs)");
          }
          f.tensors().stream().filter(t -> t.status() != TensorStatus.IDENTICAL).forEach(t -> lines.add(tensor(t)));
        }
        if (f.note() != null) {
          lines.add("  note: " + f.note());
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Runs of differing chunks: {@code #3 [12582912, 16777216), #7-#9 [...)}, at most a few. */
  private static String runs(FileReport f, int chunkSize) {
    List<String> out = new ArrayList<>();
    int runs = 0;
    long fileEnd = Math.max(f.sizeA(), f.sizeB());
    for (int c = f.differingChunks().nextSetBit(0); c >= 0; c = f.differingChunks().nextSetBit(c + 1)) {
      int end = f.differingChunks().nextClearBit(c) - 1;
      if (runs++ < LISTED_RUNS) {
        out.add("#" + c + (end > c ? "-#" + end : "") + " [" + (long) c * chunkSize + ", "
            + Math.min(fileEnd, (long) (end + 1) * chunkSize) + ")");
      }
      c = end;
    }
    String s = String.join(", ", out);
    return runs > LISTED_RUNS ? s + ", ... (" + (runs - LISTED_RUNS) + " more runs)" : s;
  }

  private static String tensor(TensorReport t) {
    String where = "  tensor " + t.name();
    return switch (t.status()) {
      case IDENTICAL -> where + ": identical";
      case ONLY_IN_A -> where + ": only in A";
      case ONLY_IN_B -> where + ": only in B";
      case DTYPE_MISMATCH -> where + ": dtype " + t.a().dtype() + " vs " + t.b().dtype();
      case SHAPE_MISMATCH -> where + ": shape " + t.a().shapeText() + " vs " + t.b().shapeText();
      case DIFFERENT -> String.format(Locale.ROOT, "%s %s%s: %d of %d elements differ, L1 %.6g, max |diff| %.6g%s",
          where, t.a().dtype(), t.a().shapeText(), t.diff().differing(), t.diff().elements(), t.diff().l1(), t.diff().maxAbs(),
          t.diff().nanDiffering() > 0 ? " (" + t.diff().nanDiffering() + " involve NaN, not in L1 or max)" : "");
    };
  }
}
