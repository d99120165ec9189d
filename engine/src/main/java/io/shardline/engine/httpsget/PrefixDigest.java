package io.shardline.engine.httpsget;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.TreeMap;

/**
 * SHA-256 of a file whose chunks arrive in any order, computed while they arrive: a chunk that
 * is next in file order is hashed at once, one that arrives early is held (retained) until its
 * predecessors are in. At most {@code maxHeld} chunks are held; past that the held ones are let
 * go and the rest of the file is read back and hashed at the end ({@link #finish}), so memory
 * stays bounded when one range lags far behind. Thread-safe (one lock; hashing runs under it).
 */
final class PrefixDigest {
  private final MessageDigest sha;
  private final int chunkCount;
  private final int maxHeld;
  private final TreeMap<Integer, ByteBuf> held = new TreeMap<>();
  private int next;
  private boolean readBack;

  PrefixDigest(int chunkCount, int maxHeld) {
    try {
      this.sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    this.chunkCount = chunkCount;
    this.maxHeld = maxHeld;
  }

  /** Chunk {@code index} was written with these bytes (not released here; retained when held). */
  synchronized void offer(int index, ByteBuf bytes) {
    if (readBack || index < next) {
      return; // hashed at the end from the file, or already in (a chunk fetched twice)
    }
    if (index > next) {
      if (held.size() >= maxHeld) {
        held.values().forEach(ByteBuf::release);
        held.clear();
        readBack = true;
        return;
      }
      held.putIfAbsent(index, bytes.retainedSlice());
      return;
    }
    update(bytes);
    next++;
    for (ByteBuf b = held.remove(next); b != null; b = held.remove(next)) {
      update(b);
      b.release();
      next++;
    }
  }

  /** A chunk that was already on disk (resumed): it is hashed from the file at the end. */
  synchronized void resumed() {
    if (!readBack) {
      held.values().forEach(ByteBuf::release);
      held.clear();
      readBack = true;
    }
  }

  private void update(ByteBuf b) {
    ByteBuffer nio = b.nioBuffer();
    sha.update(nio);
  }

  /**
   * The digest of the whole file: what was hashed in order, then the rest read back from
   * {@code file} (chunk size {@code chunkSize}, {@code size} bytes). Blocking.
   */
  synchronized byte[] finish(Path file, long size, int chunkSize) throws IOException {
    held.values().forEach(ByteBuf::release);
    held.clear();
    long from = (long) next * chunkSize;
    if (next < chunkCount || from < size) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer buf = ByteBuffer.allocateDirect(1024 * 1024);
        long at = Math.min(from, size);
        while (at < size) {
          buf.clear().limit((int) Math.min(buf.capacity(), size - at));
          int n = ch.read(buf, at);
          if (n < 0) {
            throw new IOException(file + " ends at " + at + " of " + size + " bytes");
          }
          buf.flip();
          sha.update(buf);
          at += n;
        }
      }
    }
    return sha.digest();
  }

  /** Lets go of what is held (a failed pull). */
  synchronized void release() {
    held.values().forEach(ByteBuf::release);
    held.clear();
  }
}
