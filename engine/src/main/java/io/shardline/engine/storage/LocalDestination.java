package io.shardline.engine.storage;

import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The local-folder {@link ChunkSink.Factory}: one {@link LocalChunkSink} per file under a
 * destination folder, which is checked and locked ({@link DestinationLock}) before the first
 * file, and whose published folders are fsynced and state folder pruned after the last ({@link #end} also when {@link #begin} was not called or failed).
 * Blocking: call from a worker thread.
 */
public final class LocalDestination implements ChunkSink.Factory {
  private final Path root;
  private Directories dirs;
  private DestinationLock lock;

  public LocalDestination(Path root) {
    this.root = root;
  }

  @Override
  public void begin() throws IOException {
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new ShardlineException(ErrorCode.DESTINATION_ERROR, root
          + " exists and is not a directory; a pull writes into a directory. Nothing was written");
    }
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new ShardlineException(ErrorCode.DESTINATION_ERROR, "cannot use " + root
          + " as the destination: " + ShardlineException.wrap(e, ErrorCode.DESTINATION_ERROR).getMessage(), e);
    }
    if (!Files.isWritable(root)) {
      throw new ShardlineException(ErrorCode.DESTINATION_ERROR, root + " is not writable");
    }
    dirs = new Directories(root);
    lock = DestinationLock.acquire(root);
  }

  @Override
  public ChunkSink open(FileManifest m) {
    return LocalChunkSink.of(root, m, true, dirs); // refuses names escaping the destination
  }

  /** fsyncs the folders files were renamed into (durable before success is reported), unlocks, prunes. */
  @Override
  public void end(List<ChunkSink> published) throws IOException {
    Set<Path> folders = new TreeSet<>();
    for (ChunkSink s : published) {
      folders.add(Path.of(s.target()).getParent());
    }
    folders.forEach(LocalChunkSink::fsyncDir);
    if (lock != null) {
      lock.release();
    }
    Directories.pruneStateDir(root);
  }
}
