package io.shardline.engine.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;

/**
 * The directories of one destination that are known to exist, so a tree of thousands of files
 * does not ask the filesystem again for every file. Also remembers whether the destination's
 * state folder existed before the transfer: if not, there is nothing to resume. Thread-safe.
 */
public final class Directories {
  private final Set<Path> known = ConcurrentHashMap.newKeySet();
  private final boolean freshStateDir;
  private final Path realRoot;

  /** For a destination about which nothing is known (every partial file is checked). */
  public Directories() {
    this.freshStateDir = false;
    this.realRoot = null;
  }

  /** For an existing {@code destRoot}: notes whether its state folder exists yet. */
  public Directories(Path destRoot) throws IOException {
    this.freshStateDir = !Files.exists(destRoot.resolve(LocalChunkSink.STATE_DIR));
    this.realRoot = destRoot.toRealPath();
  }

  public boolean freshStateDir() {
    return freshStateDir;
  }

  /**
   * Bytes of the partial files a failed or stopped pull kept in {@code destRoot}'s state folder
   * for a resume (their apparent sizes), or -1 when it keeps none (no folder, or no partial file:
   * a re-run then has nothing to resume). Blocking.
   */
  public static long keptPartialBytes(Path destRoot) {
    Path state = destRoot.resolve(LocalChunkSink.STATE_DIR);
    if (!Files.isDirectory(state, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return -1;
    }
    long[] total = {-1};
    try (var files = Files.walk(state, 2)) {
      files.filter(p -> p.getFileName().toString().endsWith(".part"))
          .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .forEach(p -> {
            try {
              total[0] = Math.max(0, total[0]) + Files.size(p);
            } catch (IOException ignored) {
              // removed meanwhile
            }
          });
    } catch (IOException | java.io.UncheckedIOException ignored) {
      // unreadable: report what was counted
    }
    return total[0];
  }

  /** Removes the destination's state folder's empty subfolders, and the folder itself if empty. */
  public static void pruneStateDir(Path destRoot) {
    Path state = destRoot.resolve(LocalChunkSink.STATE_DIR);
    if (!Files.isDirectory(state)) {
      return;
    }
    try (var buckets = Files.list(state)) {
      for (Path b : (Iterable<Path>) buckets::iterator) {
        deleteIfEmpty(b);
      }
    } catch (IOException ignored) {
      // leftovers are harmless; the next pull looks again
    }
    deleteIfEmpty(state);
  }

  private static void deleteIfEmpty(Path dir) {
    try {
      if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.delete(dir);
      }
    } catch (IOException notEmpty) {
      // still holds partial files or journals for a resume
    }
  }

  /**
   * Creates {@code dir} (and parents) unless this transfer already did or saw it, and checks
   * that it really is inside the destination: a symlink already in the destination must not let
   * a server's file names lead writes elsewhere.
   */
  public void ensure(Path dir) throws IOException {
    if (!known.contains(dir)) {
      Files.createDirectories(dir);
      if (realRoot != null && !dir.toRealPath().startsWith(realRoot)) {
        throw new ShardlineException(ErrorCode.BAD_PATH, dir + " leads outside the destination "
            + realRoot + " (through a symlink); refusing to write there");
      }
      known.add(dir);
    }
  }
}
