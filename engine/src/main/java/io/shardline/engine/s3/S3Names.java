package io.shardline.engine.s3;

/**
 * Which object keys map to file names and back: a name is a relative path of non-empty
 * segments, none of them "." or "..", with no NUL or backslash, and no {@code .shardline}
 * segment (a pull's state, never served or written). Pure.
 */
final class S3Names {
  /** The segment no served or written name may hold (as {@code storage.LocalChunkSink.STATE_DIR}). */
  static final String STATE_DIR = ".shardline";

  private S3Names() {}

  /** Why {@code name} is not a usable relative name, or null if it is. */
  static String problem(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
      return "it holds a NUL or a backslash";
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
    }
    return null;
  }
}
