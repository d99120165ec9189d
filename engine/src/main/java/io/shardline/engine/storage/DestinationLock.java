package io.shardline.engine.storage;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a destination ({@code DEST/.shardline/lock}) held for a whole pull: two
 * pulls writing the same partial files would corrupt each other, so the second is refused. The
 * operating system drops the lock if the process dies, so a killed pull never blocks a re-run.
 */
public final class DestinationLock {
  /** The start of the message when the lock is held ({@code DESTINATION_LOCKED}): callers that only see messages match it. */
  public static final String LOCKED = "another pull is writing into ";
  private final Path path;
  private final FileChannel ch;
  private final FileLock lock;

  private DestinationLock(Path path, FileChannel ch, FileLock lock) {
    this.path = path;
    this.ch = ch;
    this.lock = lock;
  }

  /** Takes the lock or fails with {@code DESTINATION_LOCKED} when another pull holds it. */
  public static DestinationLock acquire(Path destRoot) throws IOException {
    Path state = destRoot.toAbsolutePath().normalize().resolve(LocalChunkSink.STATE_DIR);
    Files.createDirectories(state);
    Path path = state.resolve("lock");
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another pull in this process
    }
    if (lock == null) {
      ch.close();
      throw new ShardlineException(ErrorCode.DESTINATION_LOCKED,
          LOCKED + destRoot + " (" + path + " is locked); wait for it or pick another folder");
    }
    return new DestinationLock(path, ch, lock);
  }

  /** Releases the lock and removes the lock file. */
  public void release() {
    try {
      Files.deleteIfExists(path);
      lock.release();
      ch.close();
    } catch (IOException ignored) {
      // the OS drops the lock when the channel or the process goes away
    }
  }
}
