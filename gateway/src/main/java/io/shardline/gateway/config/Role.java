package io.shardline.gateway.config;

import java.util.Locale;

/** What an API token may do. */
public enum Role {
  /** Reads jobs, progress, logs and metrics. */
  VIEWER,
  /** Also submits, cancels, pauses and resumes jobs and changes their rate. */
  OPERATOR;

  public boolean canMutate() {
    return this == OPERATOR;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role parse(String s) {
    for (Role r : values()) {
      if (r.label().equals(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException("role must be operator or viewer, got '" + s + "'");
  }
}
