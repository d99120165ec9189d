package io.shardline.gateway.job;

/** The kinds of journal events; {@link JobTable#apply} gives each its meaning. */
public final class EventType {
  /** A job was accepted: data {@code spec}, {@code idempotencyKey}, {@code requestHash}. */
  public static final String SUBMITTED = "submitted";
  /** An attempt started: data {@code attempt}. */
  public static final String STARTED = "started";
  /** Paused by an operator: data {@code from} (the state it left). */
  public static final String PAUSED = "paused";
  /** Resumed (or retried, after a failure) by an operator: back in the queue. */
  public static final String RESUMED = "resumed";
  public static final String CANCELLED = "cancelled";
  /** The rate limit changed: data {@code rateLimit} (bytes per second, 0 for none). */
  public static final String RATE_CHANGED = "rate-changed";
  /** A running attempt stopped because of a pause or cancel: data holds its statistics. */
  public static final String ATTEMPT_ENDED = "attempt-ended";
  /** All files verified and published: data holds statistics and {@code digests}. */
  public static final String SUCCEEDED = "succeeded";
  /** The attempt failed: data {@code error} and statistics. */
  public static final String FAILED = "failed";
  /** The gateway stopped (or was killed) while the job ran; it goes back to the queue. */
  public static final String INTERRUPTED = "interrupted";

  private EventType() {}
}
