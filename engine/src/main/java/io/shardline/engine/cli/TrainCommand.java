package io.shardline.engine.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code shardline train COMMAND... [:: COMMAND...]...} (hidden): runs several command lines, in
 * order, in this one JVM, and stops at the first that fails. The launcher's JDK 25 AOT training run
 * uses it so a single recorded JVM loads the classes of every path a user's command starts with
 * (a {@code shardline://} pull and a {@code pull https://} today); the AOT cache records one JVM.
 */
@Command(name = "train", hidden = true,
    description = "Run several command lines, separated by ::, in this JVM (the launcher's AOT training).")
final class TrainCommand implements Callable<Integer> {
  /** This command's parser takes every argument after its name as given: they are other commands' options. */
  static void configure(picocli.CommandLine train) {
    train.setStopAtPositional(true).setUnmatchedOptionsArePositionalParams(true);
  }

  @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "Command lines separated by ::.")
  List<String> args;

  @Override
  public Integer call() {
    for (List<String> line : split(args)) {
      int rc = Main.run(line.toArray(String[]::new));
      if (rc != 0) {
        System.err.println("shardline train: '" + String.join(" ", line) + "' exited with " + rc);
        return rc;
      }
    }
    return 0;
  }

  /** The command lines between the {@code ::} separators (empty ones dropped). */
  static List<List<String>> split(List<String> args) {
    List<List<String>> lines = new ArrayList<>();
    List<String> cur = new ArrayList<>();
    for (String a : args) {
      if (a.equals("::")) {
        if (!cur.isEmpty()) {
          lines.add(cur);
        }
        cur = new ArrayList<>();
      } else {
        cur.add(a);
      }
    }
    if (!cur.isEmpty()) {
      lines.add(cur);
    }
    return lines;
  }
}
