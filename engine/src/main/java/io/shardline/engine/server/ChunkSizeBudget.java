package io.shardline.engine.server;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bounds the distinct chunk sizes a server computes manifests for. Each new chunk size makes the
 * server read and checksum every listed file again and persist their sums, so a token holder
 * cycling through sizes (4 KiB, 4 KiB + 1, ...) could make it hash the tree without end. The
 * default chunk size is always admitted; besides it, at most {@code max} sizes are held, and a
 * held size makes room for a new one only after it has been unused for {@code idleNanos}. That
 * bounds the manifest work to {@code max + 1} passes over the tree per idle period, whoever asks.
 * A pure function of (size, now): callers pass the clock. Thread-safe (lanes run on several loops).
 */
final class ChunkSizeBudget {
  private final int max;
  private final long idleNanos;
  /** Held sizes, least recently used first, with the time each was last used. */
  private final LinkedHashMap<Integer, Long> held = new LinkedHashMap<>(16, 0.75f, true);

  ChunkSizeBudget(int max, long idleNanos) {
    if (max < 0 || idleNanos < 0) {
      throw new IllegalArgumentException("max and idle time must not be negative");
    }
    this.max = max;
    this.idleNanos = idleNanos;
  }

  /** Admits a LIST with {@code chunkSize} at time {@code now}, or throws BAD_REQUEST saying which sizes are served. */
  synchronized void admit(int chunkSize, long now) {
    if (chunkSize == Protocol.DEFAULT_CHUNK) {
      return;
    }
    if (held.containsKey(chunkSize)) {
      held.put(chunkSize, now);
      return;
    }
    if (held.size() >= max) {
      Map.Entry<Integer, Long> eldest = max == 0 ? null : held.entrySet().iterator().next();
      if (eldest == null || now - eldest.getValue() < idleNanos) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, "this server computes manifests for at most " + (max + 1)
            + " distinct chunk sizes at a time and serves " + sizes() + " now; pull with --chunk-size one of those"
            + (max == 0 ? "" : " (a size unused for " + idleNanos / 1_000_000_000L + " s makes room for a new one)"));
      }
      held.remove(eldest.getKey());
    }
    held.put(chunkSize, now);
  }

  /** The sizes admitted now: the default first, then the held ones from least to most recently used. */
  synchronized List<String> sizes() {
    List<String> out = new ArrayList<>();
    out.add(human(Protocol.DEFAULT_CHUNK));
    for (int s : held.keySet()) {
      out.add(human(s));
    }
    return out;
  }

  private static String human(int bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + "MiB";
    }
    if (bytes % 1024 == 0) {
      return bytes / 1024 + "KiB";
    }
    return bytes + "B";
  }
}
