package io.shardline.engine.httpsget;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.RootDigest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The version of a file on an HTTPS server, as its responses tell it: the size (from
 * {@code Content-Range} or {@code Content-Length}) and the validators ({@code ETag},
 * {@code Last-Modified}; either may be absent). Every ranged response of a pull must name the
 * same version, or the file changed while it was pulled ({@code SOURCE_CHANGED}). Pure.
 */
public record SourceVersion(long size, String etag, String lastModified) {
  /** Whether the server gave anything a change could be detected by. */
  /** Whether {@code other} names the same validators (ETag and Last-Modified, absent ones equal). */
  public boolean sameValidators(SourceVersion other) {
    return java.util.Objects.equals(etag, other.etag) && java.util.Objects.equals(lastModified, other.lastModified);
  }

  public boolean hasValidator() {
    return etag != null || lastModified != null;
  }

  /**
   * Checks one ranged response: {@code 206} with {@code Content-Range} exactly
   * {@code bytes first-last/size} and the same validators. A changed validator or size is
   * {@code SOURCE_CHANGED}; a malformed or other range is {@code BAD_RESPONSE}.
   */
  public void checkPart(long first, long last, String contentRange, String etagNow, String lastModifiedNow) {
    if (!Objects.equals(etag, etagNow) || !Objects.equals(lastModified, lastModifiedNow)) {
      throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "the file changed on the server during the pull (ETag "
          + etag + " then " + etagNow + ", Last-Modified " + lastModified + " then " + lastModifiedNow
          + "); nothing was published, pull again for the new version");
    }
    long[] r = contentRange(contentRange);
    if (r == null || r[0] != first || r[1] != last) {
      throw new ShardlineException(ErrorCode.BAD_RESPONSE, "the server answered the range " + first + "-" + last
          + " with Content-Range " + contentRange);
    }
    if (r[2] != size) {
      throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "the file on the server is now " + r[2] + " bytes, was "
          + size + "; nothing was published, pull again for the new version");
    }
  }

  /**
   * {@code Content-Range: bytes FIRST-LAST/SIZE} as {first, last, size}; {@code bytes *}{@code /SIZE}
   * as {-1, -1, size}; null for anything else (an unknown size {@code *} included).
   */
  public static long[] contentRange(String v) {
    if (v == null) {
      return null;
    }
    String s = v.strip();
    if (!s.regionMatches(true, 0, "bytes ", 0, 6)) {
      return null;
    }
    s = s.substring(6).strip();
    int slash = s.indexOf('/');
    if (slash < 0) {
      return null;
    }
    long size = number(s.substring(slash + 1).strip());
    if (size < 0) {
      return null;
    }
    String range = s.substring(0, slash).strip();
    if (range.equals("*")) {
      return new long[] {-1, -1, size};
    }
    int dash = range.indexOf('-');
    if (dash < 0) {
      return null;
    }
    long first = number(range.substring(0, dash).strip());
    long last = number(range.substring(dash + 1).strip());
    if (first < 0 || last < first || last >= size) {
      return null;
    }
    return new long[] {first, last, size};
  }

  private static long number(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(s);
  }

  /**
   * A digest naming this version (size and validators, not the URL: a presigned URL's signature
   * changes between runs, the file does not), kept as the root of the file's resume journal, so
   * a re-run resumes only chunks of the same version.
   */
  public byte[] identity() {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(("shardline https source v1\n" + size + "\n" + etag + "\n" + lastModified + "\n")
          .getBytes(StandardCharsets.UTF_8));
      byte[] out = d.digest();
      if (out.length != RootDigest.BYTES) {
        throw new IllegalStateException("SHA-256 of " + out.length + " bytes");
      }
      return out;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
