package io.shardline.engine.lane;

/** One chunk to fetch: which file, which chunk, and how many times it was tried already. */
public record ChunkTask(ChunkTarget file, int index, int attempts) {
  public long offset() {
    return file.manifest().chunkOffset(index);
  }

  public int length() {
    return file.manifest().chunkLength(index);
  }

  public ChunkTask retry() {
    return new ChunkTask(file, index, attempts + 1);
  }
}
