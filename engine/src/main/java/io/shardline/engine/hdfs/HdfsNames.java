package io.shardline.engine.hdfs;

/**
 * Which HDFS names map to file names and back: a name is a relative path of non-empty segments,
 * none of them "." or "..", with no NUL, backslash or colon (HDFS refuses ':' in names), no
 * {@code .shardline} segment (a pull's state), and no segment that is a partial file of a pull in
 * progress ({@link #partial}): a partial is never served or written over. Pure.
 */
final class HdfsNames {
  /** The segment no served or written name may hold (as {@code storage.LocalChunkSink.STATE_DIR}). */
  static final String STATE_DIR = ".shardline";
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
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0 || name.indexOf(':') >= 0) {
      return "it holds a NUL, a backslash or a colon";
    }
    for (String s : name.split("/", -1)) {
      if (s.isEmpty()) {
        return "it has an empty segment (a leading, trailing or doubled '/')";
      }
      if (s.equals(".") || s.equals("..")) {
        return "it has a '" + s + "' segment";
      }
      if (s.equals(STATE_DIR)) {
        return "it is in a " + STATE_DIR + " folder";
      }
      if (isPartial(s)) {
        return "it is a partial file of a pull in progress";
      }
    }
    return null;
  }
}
