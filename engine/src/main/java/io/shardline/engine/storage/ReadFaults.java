package io.shardline.engine.storage;

import java.io.IOException;

/**
 * Test seam, in the spirit of OkHttp's {@code FaultyFileSystem}: fails reads of a
 * {@link LocalChunkSource} on purpose, as a failing disk would, at the point a real read error
 * would surface. Not reachable from the CLI.
 */
@FunctionalInterface
public interface ReadFaults {
  ReadFaults NONE = (rel, offset) -> {};

  /**
   * Called just before the server reads {@code rel} at {@code offset} (-1: the whole file, for
   * its manifest); throwing an {@link IOException} fails that read.
   */
  void check(String rel, long offset) throws IOException;
}
