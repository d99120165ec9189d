package io.shardline.engine.lane;

import io.shardline.engine.codec.CodecId;
import io.netty.buffer.ByteBuf;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.error.ShardlineException;

/**
 * Where a lane delivers chunks: one file being received. Implemented by the transfer layer;
 * lanes know only this.
 */
public interface ChunkTarget {
  FileManifest manifest();

  /** True once the file failed for good: its remaining chunks are not fetched. */
  boolean failed();

  /**
   * Decodes, verifies and stores chunk {@code index}. Blocking (decoding, CRC over the whole
   * chunk, a positional write, maybe the publish of the file): the lane calls it on a worker
   * thread. Takes ownership of {@code payload}, which is in codec {@code codec} and decodes to
   * {@code rawLength} bytes whose CRC32C the server says is {@code wireCrc}. Throws a
   * {@link ShardlineException}: retryable codes ({@code CHECKSUM_MISMATCH}, {@code BAD_ENCODING})
   * mean "fetch it again".
   */
  void accept(int index, CodecId codec, int rawLength, int wireCrc, ByteBuf payload) throws Exception;

  /** The chunk could not be fetched for good; the file fails with this error. */
  void fail(ShardlineException error);
}
