package io.shardline.engine.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Makes written files durable in groups: a group commit of {@code syncfs} calls over one
 * destination's filesystem. Each caller has finished writing its file and needs its bytes durable
 * before it renames the file into place. The first caller runs one {@code syncfs}; callers that
 * arrive meanwhile wait, and the next of them runs one {@code syncfs} for all of them, and so on:
 * with many files being published at once (a pull of small files keeps up to its disk workers
 * publishing), one call makes dozens durable. A caller returns only once a {@code syncfs} that
 * started after its writes has succeeded, so the guarantee is the fsync's: its bytes are on disk.
 *
 * <p>Where {@code syncfs} is not available ({@link SyncFs}, e.g. JDK 17) or has failed once (an
 * I/O error somewhere on the filesystem; the file's own fsync then reports whether it is its
 * own), each caller fsyncs its own file, as before; concurrent fsyncs still share ext4's journal
 * commits. Thread-safe; blocking.
 */
public final class GroupSync {
  private final Path dir;
  private final boolean useSyncfs;
  /** Callers so far; a caller's ticket is its number. */
  private long requested;
  /** Every caller with a ticket up to this is durable. */
  private long durable;
  private boolean syncing;
  private boolean failed;
  private long syncs;

  /** For files under {@code dir} (any folder on their filesystem). */
  public GroupSync(Path dir) {
    this(dir, SyncFs.available());
  }

  GroupSync(Path dir, boolean useSyncfs) {
    this.dir = dir;
    this.useSyncfs = useSyncfs;
  }

  /** Whether files are made durable by shared {@code syncfs} calls here (else by their own fsync). */
  public boolean grouped() {
    return useSyncfs;
  }

  /** {@code syncfs} calls made so far (for tests and logs). */
  public synchronized long syncs() {
    return syncs;
  }

  /**
   * Returns once every byte written to {@code ch} before this call is durable: by a shared
   * {@code syncfs} that started after this call, or by {@code ch.force(true)}.
   */
  public void durable(FileChannel ch) throws IOException {
    if (!useSyncfs) {
      ch.force(true);
      return;
    }
    long upTo;
    synchronized (this) {
      long ticket = ++requested;
      while (syncing && !failed && durable < ticket) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for a sync", e);
        }
      }
      if (durable >= ticket) {
        return;
      }
      if (failed) {
        upTo = -1;
      } else {
        syncing = true; // this caller leads: one syncfs for every caller so far
        upTo = requested;
        syncs++;
      }
    }
    if (upTo < 0) {
      ch.force(true);
      return;
    }
    boolean ok = false;
    try {
      ok = SyncFs.sync(dir);
    } finally {
      synchronized (this) {
        syncing = false;
        if (ok) {
          durable = Math.max(durable, upTo);
        } else {
          failed = true; // from now on each file's own fsync, which also says whose error it was
        }
        notifyAll();
      }
    }
    if (!ok) {
      ch.force(true);
    }
  }
}
