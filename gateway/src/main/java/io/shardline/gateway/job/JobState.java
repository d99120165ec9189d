package io.shardline.gateway.job;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Where a job is in its life. */
public enum JobState {
  QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED;

  /** Succeeded and cancelled jobs never change again; a failed job can be resumed (retried). */
  public boolean terminal() {
    return this == SUCCEEDED || this == CANCELLED;
  }

  /** Whether the job is done running, one way or another. */
  public boolean ended() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** The actions a job in this state accepts (none once succeeded or cancelled). */
  public Set<JobAction> actions() {
    Set<JobAction> a = EnumSet.noneOf(JobAction.class);
    for (JobAction action : JobAction.values()) {
      if (action.allowedFrom(this)) {
        a.add(action);
      }
    }
    return a;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JobState parse(String s) {
    for (JobState st : values()) {
      if (st.label().equals(s)) {
        return st;
      }
    }
    throw new IllegalArgumentException("unknown job state '" + s + "'");
  }
}
