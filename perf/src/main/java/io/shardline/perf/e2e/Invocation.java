package io.shardline.perf.e2e;

import java.util.List;

/**
 * One client command and how to read its result.
 *
 * @param argv the client command (it must finish only when every byte is at the destination)
 * @param verify check the destination against the data set afterwards
 * @param parser reads the command's stdout
 */
record Invocation(List<String> argv, boolean verify, Parser parser) {

  /** What a client's output says beyond the wall time. */
  /**
   * @param innerSeconds the tool's own transfer time when it reports one (Shardline's JSON: after
   *     JVM start-up and before exit), else NaN
   */
  record Parsed(long bytes, double seconds, long wireBytes, double innerSeconds, String note) {}

  interface Parser {
    /** @param set the data set's total bytes; @param wall the command's wall seconds */
    Parsed parse(String stdout, long set, double wall) throws Exception;
  }

  /** Bytes are the data set's, seconds the wall time, no compression on the wire. */
  static final Parser PLAIN = (out, set, wall) -> new Parsed(set, wall, set, Double.NaN, "");
}
