package io.shardline.engine.integrity;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * Reads a file chunk by chunk and computes CRC32Cs (and, for manifests, SHA-256s). Blocking: call
 * from a worker thread. Used by the server to build manifests and by the client to check what a
 * partial or existing file already holds before resuming.
 */
public final class ChunkSums {
  private ChunkSums() {}

  /** Every chunk's CRC32C and SHA-256 (32 bytes a chunk, in order). */
  public record Computed(int[] crcs, byte[] hashes) {}

  /** CRC32C and SHA-256 of every chunk of the file, which must be exactly {@code size} bytes long. */
  public static Computed compute(Path file, long size, int chunkSize) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return compute(ch, file.toString(), size, chunkSize);
    }
  }

  /** As {@link #compute(Path, long, int)}, on an open file ({@code label} names it in errors); leaves it open. */
  public static Computed compute(FileChannel ch, String label, long size, int chunkSize) throws IOException {
    int[] crcs = new int[FileManifest.chunkCount(size, chunkSize)];
    byte[] hashes = new byte[crcs.length * Sha256.BYTES];
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(chunkSize, chunkSize);
    try {
      for (int i = 0; i < crcs.length; i++) {
        int len = (int) Math.min(chunkSize, size - (long) i * chunkSize);
        ByteBuffer nio = buf.nioBuffer(0, len);
        readFully(ch, nio, (long) i * chunkSize);
        nio.flip();
        crcs[i] = Crc32c.of(nio);
        System.arraycopy(Sha256.of(nio), 0, hashes, i * Sha256.BYTES, Sha256.BYTES);
      }
    } finally {
      buf.release();
    }
    if (ch.size() != size) {
      throw new IOException(label + " changed size while being read (" + size + " -> " + ch.size() + ")");
    }
    return new Computed(crcs, hashes);
  }

  /**
   * Which chunks of {@code file} already match the manifest (only those listed in
   * {@code candidates}, or all when it is null). A missing or short file matches nothing past
   * its end.
   */
  public static BitSet matching(Path file, FileManifest m, BitSet candidates) throws IOException {
    return match(file, m, candidates, false);
  }

  /**
   * Which chunks of {@code file} are the manifest's by CRC32C and then by SHA-256 (the hash only of
   * chunks whose CRC matched): what a reuse of local bytes, or a file found complete, rests on. A
   * missing or short file matches nothing past its end.
   */
  public static BitSet matchingStrongly(Path file, FileManifest m) throws IOException {
    return m.streamed() ? new BitSet() : match(file, m, null, true);
  }

  private static BitSet match(Path file, FileManifest m, BitSet candidates, boolean strong) throws IOException {
    BitSet ok = new BitSet(m.chunkCount());
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return ok;
    }
    try (ch) {
      long have = ch.size();
      ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(m.chunkSize(), m.chunkSize());
      try {
        for (int i = 0; i < m.chunkCount(); i++) {
          if (candidates != null && !candidates.get(i)) {
            continue;
          }
          long off = m.chunkOffset(i);
          int len = m.chunkLength(i);
          if (off + len > have) {
            break;
          }
          ByteBuffer nio = buf.nioBuffer(0, len); // a slice: position 0 is the buffer's first byte
          readFully(ch, nio, off);
          nio.flip();
          if (Crc32c.of(nio) == m.chunkCrcs()[i] && (!strong || m.hashMatches(i, Sha256.of(nio)))) {
            ok.set(i);
          }
        }
      } finally {
        buf.release();
      }
    }
    return ok;
  }

  /** Positional read of {@code dst.remaining()} bytes; EOF before that is an error. */
  public static void readFully(FileChannel ch, ByteBuffer dst, long offset) throws IOException {
    long pos = offset;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        throw new EOFException("file ended at " + pos + " (expected " + dst.remaining() + " more bytes)");
      }
      pos += n;
    }
  }
}
