package io.shardline.engine.fuzz;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator for one fuzz execution: it refuses (with an {@link AssertionError}) any single
 * request over {@code limit} bytes, counts the bytes asked for, and remembers every buffer it
 * handed out so {@link #assertAllReleased()} can check that the code under test (and the fuzz
 * test) released each one. Buffers come from the pooled allocator, as on a real lane.
 *
 * <p>Pooled buffers are recycled, so a buffer remembered here may be handed out again later in
 * the same execution; at the end every one of them must still have a reference count of 0, which
 * is exactly "nothing leaked". Not thread-safe: one execution, one thread.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {
  private final long limit;
  private final List<ByteBuf> handedOut = new ArrayList<>();
  private long total;
  private int largest;

  /** An allocator that fails any single allocation over {@code limit} bytes. */
  TrackingAllocator(long limit) {
    super(true);
    this.limit = limit;
  }

  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    check(initialCapacity, maxCapacity);
    return remember(PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    check(initialCapacity, maxCapacity);
    return remember(PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
  }

  @Override
  public boolean isDirectBufferPooled() {
    return true;
  }

  private void check(int initialCapacity, int maxCapacity) {
    // maxCapacity counts too: a buffer allowed to grow past the limit is a deferred allocation.
    long asked = Math.max(initialCapacity, maxCapacity == Integer.MAX_VALUE ? initialCapacity : maxCapacity);
    if (asked > limit) {
      throw new AssertionError("allocation of " + initialCapacity + " bytes (max " + maxCapacity
          + ") is over the limit of " + limit);
    }
    total += initialCapacity;
    largest = Math.max(largest, initialCapacity);
  }

  private ByteBuf remember(ByteBuf b) {
    handedOut.add(b);
    return b;
  }

  /** Bytes asked for, over every allocation. */
  long total() {
    return total;
  }

  /** The largest single allocation. */
  int largest() {
    return largest;
  }

  /** Fails if any buffer handed out is still referenced. */
  void assertAllReleased() {
    for (ByteBuf b : handedOut) {
      if (b.refCnt() != 0) {
        throw new AssertionError("a buffer of " + b.capacity() + " bytes was not released (refCnt "
            + b.refCnt() + ")");
      }
    }
  }
}
