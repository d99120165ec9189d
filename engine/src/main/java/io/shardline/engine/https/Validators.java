package io.shardline.engine.https;

import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;

/**
 * The validators of a served file version ({@code ETag}, {@code Last-Modified}) and the
 * conditional-request decision of RFC 9110 section 13.2.2 over them: a pure function of the
 * request's condition headers and the version.
 *
 * <p>The entity tag is strong and names the version the way the shardline port does (size,
 * modification time to the nanosecond, file identity): any rewrite, truncation, replacement or
 * touch of the file gives another tag. {@code Last-Modified} has one-second resolution, as HTTP
 * dates do.
 */
public record Validators(String etag, Instant lastModified) {
  /** The HTTP-date format written (IMF-fixdate: two-digit day, GMT). */
  public static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
      Locale.US).withZone(ZoneOffset.UTC);
  /** HTTP-dates read: IMF-fixdate and RFC 1123 with a one-digit day. */
  private static final DateTimeFormatter HTTP_DATE_IN = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  /** What to do with a request, given its conditions. */
  public enum Outcome {
    /** Serve it (whole, or the range if {@link Decision#rangeAllowed()}). */
    PROCEED,
    /** 304: the client's copy is current. */
    NOT_MODIFIED,
    /** 412: a precondition ({@code If-Match}, {@code If-Unmodified-Since}) failed. */
    PRECONDITION_FAILED
  }

  /** The outcome and whether a {@code Range} header may be honoured ({@code If-Range}). */
  public record Decision(Outcome outcome, boolean rangeAllowed) {}

  /** The request headers that make a request conditional (null: absent). */
  public record Conditions(String ifMatch, String ifNoneMatch, String ifModifiedSince, String ifUnmodifiedSince,
      String ifRange) {
    public static final Conditions NONE = new Conditions(null, null, null, null, null);
  }

  /** The validators of the file version {@code a}. */
  public static Validators of(BasicFileAttributes a) {
    long nanos = a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
    String tag = "\"" + Long.toHexString(a.size()) + "-" + Long.toHexString(nanos) + "-"
        + Integer.toHexString(Objects.hashCode(a.fileKey())) + "\"";
    return new Validators(tag, a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.SECONDS));
  }

  /** {@code Last-Modified} as an HTTP-date. */
  public String lastModifiedHeader() {
    return HTTP_DATE.format(lastModified);
  }

  /** The decision for a GET or HEAD with conditions {@code c} (RFC 9110 section 13.2.2, in its order). */
  public Decision decide(Conditions c) {
    if (c.ifMatch() != null) {
      if (!anyMatches(c.ifMatch(), true)) {
        return new Decision(Outcome.PRECONDITION_FAILED, false);
      }
    } else if (c.ifUnmodifiedSince() != null) {
      Instant d = date(c.ifUnmodifiedSince());
      if (d != null && lastModified.isAfter(d)) {
        return new Decision(Outcome.PRECONDITION_FAILED, false);
      }
    }
    if (c.ifNoneMatch() != null) {
      if (anyMatches(c.ifNoneMatch(), false)) {
        return new Decision(Outcome.NOT_MODIFIED, false);
      }
    } else if (c.ifModifiedSince() != null) {
      Instant d = date(c.ifModifiedSince());
      if (d != null && !lastModified.isAfter(d)) {
        return new Decision(Outcome.NOT_MODIFIED, false);
      }
    }
    return new Decision(Outcome.PROCEED, c.ifRange() == null || ifRangeHolds(c.ifRange().strip()));
  }

  /**
   * {@code If-Range}: an entity tag must match strongly (a weak tag never does); a date must be
   * exactly the {@code Last-Modified} date. Anything else: serve the whole file.
   */
  private boolean ifRangeHolds(String v) {
    if (v.startsWith("\"") || v.startsWith("W/")) {
      return v.equals(etag);
    }
    Instant d = date(v);
    return d != null && d.equals(lastModified);
  }

  /**
   * Whether a list of entity tags ({@code *}, or comma-separated tags) names this version; weak
   * comparison ignores a {@code W/} prefix, strong comparison never matches a weak tag.
   */
  private boolean anyMatches(String list, boolean strong) {
    String l = list.strip();
    if (l.equals("*")) {
      return true;
    }
    for (String t : l.split(",")) {
      String tag = t.strip();
      boolean weak = tag.startsWith("W/");
      if (weak && strong) {
        continue;
      }
      if ((weak ? tag.substring(2) : tag).equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** An HTTP-date, or null when the value is not one (the header is then ignored). */
  static Instant date(String v) {
    try {
      return Instant.from(HTTP_DATE_IN.parse(v.strip()));
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
