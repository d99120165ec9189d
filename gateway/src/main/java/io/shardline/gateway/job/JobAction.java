package io.shardline.gateway.job;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * What an operator may do to a job, and from which states: the one table of the job commands'
 * preconditions. {@link JobService} checks a command against it, and the API lists the actions a
 * job allows ({@link JobState#actions()}), so a client offers exactly what the gateway would accept.
 */
public enum JobAction {
  /** {@code POST jobs/{id}/pause}: a paused job keeps its verified chunks. */
  PAUSE(EnumSet.of(JobState.QUEUED, JobState.RUNNING)),
  /** {@code POST jobs/{id}/resume}: back in the queue, from a pause or after a failure (a retry). */
  RESUME(EnumSet.of(JobState.PAUSED, JobState.FAILED)),
  /** {@code POST jobs/{id}/cancel}: for good; a cancelled job never runs again. */
  CANCEL(EnumSet.of(JobState.QUEUED, JobState.RUNNING, JobState.PAUSED, JobState.FAILED)),
  /** {@code PATCH jobs/{id}} with a {@code rateLimit}: while the job is not over. */
  RATE(EnumSet.of(JobState.QUEUED, JobState.RUNNING, JobState.PAUSED));

  private final EnumSet<JobState> from;

  JobAction(EnumSet<JobState> from) {
    this.from = from;
  }

  /** Whether a job in state {@code s} accepts this action. */
  public boolean allowedFrom(JobState s) {
    return from.contains(s);
  }

  /** The states that accept it, in declaration order (for error messages). */
  public List<JobState> from() {
    return List.copyOf(from);
  }

  /** The name in the API: {@code pause}, {@code resume}, {@code cancel}, {@code rate}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
