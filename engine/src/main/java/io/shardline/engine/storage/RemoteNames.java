package io.shardline.engine.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The rule every remote store's names share (object keys, HDFS paths): a name is a relative path
 * of non-empty segments, none of them "." or "..", with no NUL or backslash, and no
 * {@code .shardline} segment (a pull's state, never served or written). A store adds the
 * characters it refuses itself and a rule for segments it hides ({@code s3.S3Names},
 * {@code hdfs.HdfsNames}). Pure.
 */
public final class RemoteNames {
  private RemoteNames() {}

  /**
   * Why {@code name} is not a usable relative name, or null if it is.
   *
   * @param refused characters the store refuses besides NUL and backslash (e.g. ":")
   * @param segment why a segment is hidden by the store, or null when it is not
   */
  public static String problem(String name, String refused, UnaryOperator<String> segment) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    String chars = "\0\\" + refused;
    for (int i = 0; i < chars.length(); i++) {
      if (name.indexOf(chars.charAt(i)) >= 0) {
        return "it holds " + words(chars);
      }
    }
    for (String s : name.split("/", -1)) {
      if (s.isEmpty()) {
        return "it has an empty segment (a leading, trailing or doubled '/')";
      }
      if (s.equals(".") || s.equals("..")) {
        return "it has a '" + s + "' segment";
      }
      if (s.equals(LocalChunkSink.STATE_DIR)) {
        return "it is in a " + LocalChunkSink.STATE_DIR + " folder";
      }
      String hidden = segment.apply(s);
      if (hidden != null) {
        return hidden;
      }
    }
    return null;
  }

  /** "a NUL, a backslash or a colon". */
  private static String words(String chars) {
    List<String> w = new ArrayList<>();
    for (int i = 0; i < chars.length(); i++) {
      char c = chars.charAt(i);
      w.add(switch (c) {
        case '\0' -> "a NUL";
        case '\\' -> "a backslash";
        case ':' -> "a colon";
        default -> "a '" + c + "'";
      });
    }
    return w.size() == 1 ? w.get(0)
        : String.join(", ", w.subList(0, w.size() - 1)) + " or " + w.get(w.size() - 1);
  }
}
