package io.shardline.engine.push;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.LocalDestination;
import io.shardline.engine.storage.SafePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a push writes (v7): a folder of the served tree, as a pull's destination
 * ({@link LocalDestination}: names checked, partial files under {@code .shardline/}, verified
 * files renamed into place) that also stays inside the served root, whose symlinks a pull's
 * destination would follow: a file whose folder resolves outside the root, or whose name is a
 * symlink, is refused with {@code BAD_PATH}. Blocking: call from a worker thread.
 */
final class ConfinedDestination implements ChunkSink.Factory {
  private final Path realRoot;
  private final Path folder;
  private final LocalDestination local;

  /** @param realRoot the served root's real path; {@code folder} a folder under it (lexically) */
  ConfinedDestination(Path realRoot, Path folder) {
    this.realRoot = realRoot;
    this.folder = folder;
    this.local = new LocalDestination(folder);
  }

  /**
   * The folder {@code rel} (a push's remote directory, wire form) under the served root, created
   * if missing, refused with {@code BAD_PATH} when it or a folder on the way is not a folder, or
   * leads out of the root.
   */
  static Path folder(Path realRoot, String rel) throws IOException {
    return folder(realRoot, rel, true);
  }

  /** As {@link #folder(Path, String)}; {@code create} false (a dry run) leaves a missing folder missing. */
  static Path folder(Path realRoot, String rel, boolean create) throws IOException {
    Path folder = SafePath.under(realRoot, SafePath.check(rel));
    for (String seg : rel.isEmpty() ? new String[0] : rel.split("/")) {
      if (seg.equals(".shardline")) {
        throw new ShardlineException(ErrorCode.BAD_PATH, "'" + rel + "': a push cannot write into .shardline state");
      }
    }
    inside(realRoot, folder, rel);
    if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "'" + rel + "' exists on the server and is not a folder");
    }
    if (create) {
      Files.createDirectories(folder);
      inside(realRoot, folder, rel); // (a symlink raced in meanwhile)
    }
    return folder;
  }

  /** Refuses {@code path} when its deepest existing part resolves outside the root. */
  private static void inside(Path realRoot, Path path, String rel) throws IOException {
    for (Path p = path; p != null && p.startsWith(realRoot); p = p.getParent()) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        Path real;
        try {
          real = p.toRealPath();
        } catch (IOException e) {
          throw new ShardlineException(ErrorCode.BAD_PATH, "'" + rel + "' cannot be resolved on the server");
        }
        if (!real.startsWith(realRoot)) {
          throw new ShardlineException(ErrorCode.BAD_PATH, "'" + rel + "' leads outside the served root (symlink)");
        }
        return;
      }
    }
  }

  @Override
  public void begin() throws IOException {
    local.begin();
  }

  @Override
  public ChunkSink open(FileManifest m) throws IOException {
    ChunkSink sink = local.open(m); // refuses names that escape lexically or collide with .shardline
    Path target = SafePath.under(folder, m.name());
    if (Files.isSymbolicLink(target)) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "'" + m.name() + "' is a symlink on the server; a push does not replace it");
    }
    inside(realRoot, target.getParent(), m.name());
    return sink;
  }

  @Override
  public void end(List<ChunkSink> published) throws IOException {
    local.end(published);
  }
}
