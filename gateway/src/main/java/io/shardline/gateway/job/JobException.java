package io.shardline.gateway.job;

/** A job command that cannot be carried out; {@link #kind()} says why, for the HTTP status. */
public final class JobException extends RuntimeException {
  public enum Kind {
    /** The request names things that do not exist or are not allowed (HTTP 400). */
    INVALID,
    NOT_FOUND,
    /** The job's state does not allow it (HTTP 409). */
    CONFLICT,
    /** An Idempotency-Key reused with another request (HTTP 422). */
    KEY_REUSED,
    /** The journal cannot be written: nothing is accepted (HTTP 503). */
    UNAVAILABLE
  }

  private final Kind kind;

  public JobException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
