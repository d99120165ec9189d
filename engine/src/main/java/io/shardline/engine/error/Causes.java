package io.shardline.engine.error;

import java.util.function.Predicate;

/**
 * How a client library's exception is put into words for a typed error: whether any cause in
 * its chain is of a kind (an unreachable host), its innermost cause, the first line of a
 * message. Pure; shared by the stores' error mappings ({@code s3.S3Errors}, {@code hdfs.HdfsErrors}).
 */
public final class Causes {
  private Causes() {}

  /** Whether {@code e} or any of its causes matches {@code kind}. */
  public static boolean any(Throwable e, Predicate<Throwable> kind) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (kind.test(c)) {
        return true;
      }
    }
    return false;
  }

  /** The innermost cause of {@code e}: its simple class name and the first line of its message. */
  public static String root(Throwable e) {
    Throwable r = e;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r.getClass().getSimpleName() + (r.getMessage() == null ? "" : ": " + firstLine(r.getMessage()));
  }

  /** The first line of {@code s}; "" for null. */
  public static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
