package io.shardline.engine.push;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSource;
import java.io.IOException;
import java.util.List;

/**
 * A pusher's source when it pushes one file: its folder's source, narrowed to that file, so the
 * server it pushes to can read nothing else of the folder.
 */
final class OneFileSource implements ChunkSource {
  private final ChunkSource folder;
  private final String name;

  OneFileSource(ChunkSource folder, String name) {
    this.folder = folder;
    this.name = name;
  }

  @Override
  public List<FileManifest> list(String rel, int chunkSize) throws IOException {
    return folder.list(only(rel), chunkSize);
  }

  @Override
  public List<FileManifest> list(String rel, int chunkSize, boolean stream) throws IOException {
    return folder.list(only(rel), chunkSize, stream);
  }

  @Override
  public Handle open(String rel, FileManifest expected) throws IOException {
    return folder.open(only(rel), expected);
  }

  private String only(String rel) {
    if (!rel.equals(name)) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "this push serves /" + name + " only, not /" + rel);
    }
    return rel;
  }
}
