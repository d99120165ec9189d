package io.shardline.engine.hdfs;

import io.shardline.engine.storage.RemoteNames;

/**
 * Which HDFS names map to file names and back: {@link RemoteNames}' rule, with no colon either
 * (HDFS refuses ':' in names) and no segment that is a partial file of a pull in progress
 * ({@link #partial}): a partial is never served or written over. Pure.
 */
final class HdfsNames {
  /** How the name of a file being written ends, before it is renamed to its own name. */
  static final String PARTIAL_SUFFIX = ".shardline-partial";

  private HdfsNames() {}

  /** The hidden name the file called {@code name} (its last segment) is written under: {@code .NAME.shardline-partial}. */
  static String partial(String name) {
    return "." + name + PARTIAL_SUFFIX;
  }

  /** Whether a last segment is a partial file's name. */
  static boolean isPartial(String segment) {
    return segment.startsWith(".") && segment.endsWith(PARTIAL_SUFFIX);
  }

  /** Why {@code name} is not a usable relative name, or null if it is. */
  static String problem(String name) {
    return RemoteNames.problem(name, ":", s -> isPartial(s) ? "it is a partial file of a pull in progress" : null);
  }
}
