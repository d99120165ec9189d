package io.shardline.engine.cli;

import io.shardline.engine.verify.Report;
import io.shardline.engine.verify.TreeVerifier;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardline verify A B}: how far two replicas have drifted, as text or JSON. The
 * comparison is {@link TreeVerifier}'s; this class holds the options and the exit codes.
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
      Report r = new TreeVerifier(cs).compare(a, b);
      out.println(json ? r.toJson().encode() : VerifyText.of(r));
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
}
