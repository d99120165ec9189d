package io.shardline.engine.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Bounds the connections that have not authenticated yet (TCP accepted, TLS or HELLO not done):
 * at most {@code maxPerAddress} from one address and {@code maxTotal} in all. A new connection
 * is always let in; when it takes a count over a limit, the <em>oldest</em> unauthenticated
 * connection (of that address, or of all) is evicted instead. A real client finishes TLS and
 * HELLO in milliseconds, so a flood of stalled handshakes evicts itself, and a client that
 * shares the flooder's address (a NAT) still gets in, unless the flooder opens more than the
 * limit of new connections within that client's own handshake. Authenticated lanes are not
 * counted here ({@link ServedTree#admit}). Thread-safe: lanes of all event loops share it.
 */
final class HandshakeGate {
  /** A connection waiting to authenticate; {@code evict} closes it (from any thread). */
  static final class Pending {
    final String address;
    final Runnable evict;

    Pending(String address, Runnable evict) {
      this.address = address;
      this.evict = evict;
    }
  }

  private final int maxPerAddress;
  private final int maxTotal;
  /** All pending connections, oldest first. */
  private final LinkedHashSet<Pending> all = new LinkedHashSet<>();
  private final Map<String, ArrayDeque<Pending>> byAddress = new HashMap<>();
  private long evicted;

  HandshakeGate(int maxPerAddress, int maxTotal) {
    if (maxPerAddress < 1 || maxTotal < 1) {
      throw new IllegalArgumentException("unauthenticated connection limits must be at least 1");
    }
    this.maxPerAddress = maxPerAddress;
    this.maxTotal = maxTotal;
  }

  /** Lets {@code p} in; evicts (outside the lock) the oldest pending connections over a limit. */
  void enter(Pending p) {
    List<Pending> out = new ArrayList<>();
    synchronized (this) {
      all.add(p);
      ArrayDeque<Pending> mine = byAddress.computeIfAbsent(p.address, a -> new ArrayDeque<>());
      mine.addLast(p);
      while (mine.size() > maxPerAddress) {
        out.add(remove(mine.peekFirst()));
      }
      Iterator<Pending> oldest = all.iterator();
      while (all.size() > maxTotal) {
        Pending o = oldest.next();
        oldest.remove();
        removeFromAddress(o);
        out.add(o);
      }
      evicted += out.size();
    }
    for (Pending o : out) {
      o.evict.run();
    }
  }

  /** {@code p} authenticated, failed or closed; idempotent. */
  synchronized void leave(Pending p) {
    if (all.contains(p)) {
      remove(p);
    }
  }

  private Pending remove(Pending p) {
    all.remove(p);
    removeFromAddress(p);
    return p;
  }

  private void removeFromAddress(Pending p) {
    ArrayDeque<Pending> q = byAddress.get(p.address);
    if (q != null) {
      q.remove(p);
      if (q.isEmpty()) {
        byAddress.remove(p.address);
      }
    }
  }

  /** Unauthenticated connections now. */
  synchronized int pending() {
    return all.size();
  }

  /** Connections evicted so far to make room. */
  synchronized long evicted() {
    return evicted;
  }

  int maxPerAddress() {
    return maxPerAddress;
  }

  int maxTotal() {
    return maxTotal;
  }
}
