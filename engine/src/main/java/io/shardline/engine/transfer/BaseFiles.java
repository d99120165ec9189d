package io.shardline.engine.transfer;

import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.storage.SafePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a delta pull looks for the bytes of a file's older version: the version already published
 * at the destination (the sink's {@code previousVersion}), then the file of the same relative name
 * in {@code --base DIR} (another local tree with the previous checkpoint). A base name goes through
 * the destination's path rules and must be a regular file whose real path stays inside the base
 * folder; anything else is simply not a base. Blocking (stats files).
 */
final class BaseFiles {
  private BaseFiles() {}

  /**
   * The bases of the file placed at {@code name}, nearest first, each once: {@code previous}
   * (may be null), then {@code baseDir/name} (when {@code baseDir} is not null).
   */
  public static List<Path> of(Path previous, Path baseDir, String name) {
    List<Path> out = new ArrayList<>(2);
    if (previous != null) {
      out.add(previous);
    }
    Path inBase = inBase(baseDir, name);
    if (inBase != null && (previous == null || !sameFile(previous, inBase))) {
      out.add(inBase);
    }
    return out;
  }

  /** {@code baseDir/name} if it is a regular file inside {@code baseDir}, else null. */
  static Path inBase(Path baseDir, String name) {
    if (baseDir == null) {
      return null;
    }
    try {
      Path realDir = baseDir.toRealPath();
      Path lexical = SafePath.under(realDir, name);
      if (!Files.exists(lexical, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      Path real = lexical.toRealPath();
      return real.startsWith(realDir) && Files.isRegularFile(real) ? real : null;
    } catch (IOException | ShardlineException e) {
      return null;
    }
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }
}
