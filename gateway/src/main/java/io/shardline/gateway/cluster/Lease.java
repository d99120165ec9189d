package io.shardline.gateway.cluster;

/**
 * A member's lease on one job: which member holds it, in which epoch (each takeover adds one, so
 * a holder that comes back after losing it can tell), and until when (epoch millis by the
 * holder's clock; 0 for a job that ended, whose lease never lapses). Stored in the cluster as
 * {@code node|epoch|expiresAt}; every change is a compare-and-set on that string, so of two
 * members that try to take a job at once exactly one wins. Pure.
 */
public record Lease(String node, long epoch, long expiresAt) {
  /** {@link #expiresAt} of a job that ended: nobody takes it over. */
  public static final long ENDED = 0;

  public Lease {
    if (node == null || node.isEmpty() || node.indexOf('|') >= 0) {
      throw new IllegalArgumentException("lease holder '" + node + "'");
    }
    if (epoch < 1 || expiresAt < 0) {
      throw new IllegalArgumentException("lease epoch " + epoch + ", expiry " + expiresAt);
    }
  }

  /** The first lease of a job, taken by the member that accepted it. */
  public static Lease first(String node, long now, long ttlMs) {
    return new Lease(node, 1, now + ttlMs);
  }

  /** The stored form, {@code node|epoch|expiresAt}. */
  public String encode() {
    return node + '|' + epoch + '|' + expiresAt;
  }

  /** The lease a stored string names; IllegalArgumentException for anything else. */
  public static Lease parse(String s) {
    int a = s == null ? -1 : s.indexOf('|');
    int b = a < 0 ? -1 : s.indexOf('|', a + 1);
    if (b < 0) {
      throw new IllegalArgumentException("not a lease: '" + s + "'");
    }
    try {
      return new Lease(s.substring(0, a), Long.parseLong(s.substring(a + 1, b)), Long.parseLong(s.substring(b + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a lease: '" + s + "'", e);
    }
  }

  public boolean ended() {
    return expiresAt == ENDED;
  }

  /**
   * Whether another member may take the job over at {@code now}: the lease ran out more than
   * {@code graceMs} ago (room for clocks that differ a little between members; the holder stops
   * writing at its expiry by its own monotonic clock, so the two never overlap). An ended job's
   * lease never lapses.
   */
  public boolean lapsed(long now, long graceMs) {
    return !ended() && now > expiresAt + graceMs;
  }

  /** The same holder and epoch, valid for another {@code ttlMs} from {@code now}. */
  public Lease renewed(long now, long ttlMs) {
    return new Lease(node, epoch, now + ttlMs);
  }

  /** Taken over by {@code by}: the next epoch. */
  public Lease takenBy(String by, long now, long ttlMs) {
    return new Lease(by, epoch + 1, now + ttlMs);
  }

  /** The job ended: held by the same member for good. */
  public Lease end() {
    return new Lease(node, epoch, ENDED);
  }
}
