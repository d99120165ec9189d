package io.shardline.gateway.testutil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault injection: a real file channel on a disk with {@link #spaceLeft} bytes free. A write
 * beyond that writes what fits, then fails as a full disk does ({@code No space left on device});
 * truncating gives the space back. Unlimited until a test sets a limit.
 */
public final class FullDiskChannel extends FileChannel {
  public static final long UNLIMITED = Long.MAX_VALUE;
  private final FileChannel real;
  private final AtomicLong spaceLeft;

  private FullDiskChannel(FileChannel real, AtomicLong spaceLeft) {
    this.real = real;
    this.spaceLeft = spaceLeft;
  }

  /** Opens {@code file} (read, write, create) on a disk whose free bytes {@code spaceLeft} holds. */
  public static FullDiskChannel open(Path file, AtomicLong spaceLeft) throws IOException {
    return new FullDiskChannel(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.READ), spaceLeft);
  }

  private int allowed(int wanted) throws IOException {
    long left = spaceLeft.get();
    if (left == UNLIMITED) {
      return wanted;
    }
    int n = (int) Math.min(wanted, left);
    spaceLeft.addAndGet(-n);
    return n;
  }

  private static IOException full() {
    return new IOException("No space left on device");
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int wanted = src.remaining();
    int n = allowed(wanted);
    if (n < wanted) {
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + n);
      real.write(part);
      src.position(part.position());
      throw full();
    }
    return real.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      while (srcs[i].hasRemaining()) {
        total += write(srcs[i]);
      }
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    throw new UnsupportedOperationException("positional writes");
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    long before = real.size();
    real.truncate(size);
    long freed = before - real.size();
    spaceLeft.getAndUpdate(l -> l == UNLIMITED ? l : l + freed);
    return this;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return real.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return real.read(dsts, offset, length);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return real.read(dst, position);
  }

  @Override
  public long position() throws IOException {
    return real.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    real.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return real.size();
  }

  @Override
  public void force(boolean metaData) throws IOException {
    real.force(metaData);
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return real.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) {
    throw new UnsupportedOperationException("transferFrom");
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) {
    throw new UnsupportedOperationException("map");
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return real.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return real.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    real.close();
  }
}
