package io.shardline.engine.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.Sha256;
import io.shardline.engine.storage.ChunkSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level 1 of a delta pull: the chunks of the new version that an older local version already
 * holds at the same offset (tensors updated in place leave every other chunk where it was). For
 * each chunk still missing, the same range of each base is read, in order, and a range whose
 * CRC32C and then SHA-256 are the manifest's is written into the sink and journalled, exactly as a
 * received chunk would be: the publish that follows checks the Merkle root over the hashes as for
 * any pull. Only the SHA-256 decides (the CRC is a cheap first filter, so chunks that differ cost
 * a read and a CRC, not a hash). Blocking: a disk worker.
 */
final class ChunkReuse {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkReuse.class);

  private ChunkReuse() {}

  /** What was reused: the chunks, their bytes, and the bytes read from bases to find them. */
  public record Result(BitSet chunks, long bytes, long bytesRead) {
    public static final Result NONE = new Result(new BitSet(), 0, 0);
  }

  /**
   * Copies into {@code sink} every chunk of {@code missing} that one of {@code bases} holds at its
   * offset with the manifest's CRC32C and SHA-256. A base that cannot be read is skipped (it is
   * only an optimisation); a failed write into the sink is an error.
   */
  public static Result reuse(List<Path> bases, FileManifest m, BitSet missing, ChunkSink sink, ByteBufAllocator alloc)
      throws IOException {
    if (m.streamed() || bases.isEmpty() || missing.isEmpty()) {
      return Result.NONE;
    }
    BitSet found = new BitSet(m.chunkCount());
    long bytes = 0;
    long read = 0;
    ByteBuf buf = alloc.directBuffer(m.chunkSize(), m.chunkSize());
    try {
      for (Path base : bases) {
        FileChannel ch;
        try {
          ch = FileChannel.open(base, StandardOpenOption.READ);
        } catch (IOException e) {
          LOG.debug("base {} not readable: {}", base, e.toString());
          continue;
        }
        try (ch) {
          long size = ch.size();
          for (int i = missing.nextSetBit(0); i >= 0; i = missing.nextSetBit(i + 1)) {
            long off = m.chunkOffset(i);
            int len = m.chunkLength(i);
            if (found.get(i) || off + len > size) {
              continue;
            }
            buf.clear();
            ByteBuffer nio = buf.nioBuffer(0, len);
            try {
              ChunkSums.readFully(ch, nio, off);
            } catch (IOException e) {
              LOG.debug("base {} unreadable at {}: {}", base, off, e.toString());
              break;
            }
            read += len;
            nio.flip();
            int crc = Crc32c.of(nio);
            if (crc != m.chunkCrcs()[i] || !m.hashMatches(i, Sha256.of(nio))) {
              continue;
            }
            buf.writerIndex(len);
            sink.write(i, buf);
            sink.journal(i, crc);
            found.set(i);
            bytes += len;
          }
        }
      }
    } finally {
      buf.release();
    }
    return new Result(found, bytes, read);
  }
}
