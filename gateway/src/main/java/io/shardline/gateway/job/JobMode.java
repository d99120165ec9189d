package io.shardline.gateway.job;

import java.util.Locale;

/**
 * What a job does between its remote and its local root. A job's {@code source} and
 * {@code destination} are always read in the direction data flows: a pull's source is a remote
 * and its destination a local root; a push's source is a local root and its destination a remote.
 */
public enum JobMode {
  /** A remote's path into a local root (the default, and every job from before modes). */
  PULL,
  /** A local root's path into a node's folder: the node pulls it over connections the gateway opens. */
  PUSH,
  /**
   * A mirror, pull or push direction: the destination is compared with the source first, then
   * pulled (or pushed) and, with {@code delete}, pruned of what the source does not have.
   */
  SYNC;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JobMode parse(String s) {
    for (JobMode m : values()) {
      if (m.label().equals(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException("mode must be pull, push or sync, got '" + s + "'");
  }
}
