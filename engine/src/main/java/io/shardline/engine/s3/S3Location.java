package io.shardline.engine.s3;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where in an object store: {@code s3://BUCKET/PREFIX}, parsed by a pure function. The bucket
 * follows S3's naming rules (3 to 63 lowercase letters, digits, dots and hyphens, starting and
 * ending with a letter or digit, no "..", not an IP address); the prefix is normalised (no
 * leading, trailing or doubled slashes) and may not hold "." or ".." segments, so a key built
 * from it never escapes it. {@code prefix} is "" for the whole bucket.
 */
public record S3Location(String bucket, String prefix) {
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IP = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");

  /** Whether {@code url} is meant as an object-store location (its scheme is s3, any case). */
  public static boolean isS3(String url) {
    return url != null && url.regionMatches(true, 0, "s3://", 0, 5);
  }

  /** Parses {@code s3://BUCKET[/PREFIX]}; a bad URL is a {@code BAD_PATH} naming what is wrong. */
  public static S3Location parse(String url) {
    if (!isS3(url)) {
      throw bad(url, "it does not start with s3://");
    }
    String rest = url.substring(5);
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    if (bucket.isEmpty()) {
      throw bad(url, "it names no bucket");
    }
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || IP.matcher(bucket).matches()) {
      throw bad(url, "'" + bucket + "' is not a valid bucket name (3-63 lowercase letters, digits, dots and"
          + " hyphens, starting and ending with a letter or digit)");
    }
    return new S3Location(bucket, normalise(path, url));
  }

  /** {@code path} without empty segments; "." and ".." are refused (they would escape the prefix). */
  private static String normalise(String path, String url) {
    if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
      throw bad(url, "the prefix holds a NUL or a backslash");
    }
    List<String> segments = new ArrayList<>();
    for (String s : path.split("/")) {
      if (s.isEmpty()) {
        continue;
      }
      if (s.equals(".") || s.equals("..")) {
        throw bad(url, "the prefix holds a '" + s + "' segment; a prefix is a path inside the bucket");
      }
      segments.add(s);
    }
    return String.join("/", segments);
  }

  private static ShardlineException bad(String url, String why) {
    return new ShardlineException(ErrorCode.BAD_PATH, "bad S3 location " + url + ": " + why);
  }

  /**
   * The object key of {@code rel} (a normalised path under this location, "" for the prefix
   * itself); callers check {@code rel} ({@link S3Names#check}).
   */
  public String key(String rel) {
    if (rel.isEmpty()) {
      return prefix;
    }
    return prefix.isEmpty() ? rel : prefix + "/" + rel;
  }

  /** The same location one level down ({@code rel} normalised, as from a LIST path). */
  public S3Location resolve(String rel) {
    return rel.isEmpty() ? this : new S3Location(bucket, key(rel));
  }

  @Override
  public String toString() {
    return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }
}
