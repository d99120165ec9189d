package io.shardline.engine.storage;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import java.util.Arrays;

/**
 * What every {@link ChunkSink} does the same way, whatever it writes to (a local folder, an object
 * store, HDFS): it holds the file's manifest, which a complete one of the same version and name may
 * replace once ({@link #adopt}, for a file listed streamed), and checks the root digest before a
 * publish ({@link #checkRoot}).
 */
public abstract class AbstractChunkSink implements ChunkSink {
  private volatile FileManifest manifest;

  protected AbstractChunkSink(FileManifest manifest) {
    this.manifest = manifest;
  }

  @Override
  public final FileManifest manifest() {
    return manifest;
  }

  /** Takes {@code complete} if it is the complete manifest of the file listed; else {@code IllegalArgumentException}. */
  @Override
  public final void adopt(FileManifest complete) {
    FileManifest listed = manifest;
    if (complete.streamed() || !listed.sameVersion(complete) || !complete.name().equals(listed.name())) {
      throw new IllegalArgumentException(complete + " is not the complete manifest of " + listed);
    }
    manifest = complete;
  }

  /**
   * Returns when the root digest of {@code hashes} is the manifest's and {@code crcs} are its CRCs;
   * otherwise runs {@code drop} (what removes the sink's partial state) and fails with
   * {@code DIGEST_MISMATCH}, its message ending with {@code dropped} (e.g. "; its partial file was
   * removed").
   */
  protected final void checkRoot(int[] crcs, byte[] hashes, Runnable drop, String dropped) {
    FileManifest m = manifest;
    byte[] root = RootDigest.of(m.size(), m.chunkSize(), hashes);
    if (!Arrays.equals(root, m.root()) || !Arrays.equals(crcs, m.chunkCrcs())) {
      drop.run();
      throw new ShardlineException(ErrorCode.DIGEST_MISMATCH, m.name() + ": digest " + RootDigest.hex(root)
          + " does not match the source's " + m.rootHex() + dropped);
    }
  }
}
