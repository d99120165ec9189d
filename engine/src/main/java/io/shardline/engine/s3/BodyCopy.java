package io.shardline.engine.s3;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;

/**
 * Copies a store's streamed body into a chunk's buffer through one reused 64 KiB array per
 * thread. {@code ByteBuf.writeBytes(InputStream, n)} on a direct buffer takes a temporary heap
 * buffer of {@code n} bytes from the allocator for every {@code read}, and a body read returns
 * a few KiB at a time: for a 4 MiB chunk that was hundreds of buffers of up to 4 MiB each, most
 * of the serving node's CPU when it served from S3. Called on blocking threads (disk workers,
 * read-ahead runs), never on an event loop.
 */
final class BodyCopy {
  private static final int ARRAY_BYTES = 64 << 10;
  private static final ThreadLocal<byte[]> ARRAY = ThreadLocal.withInitial(() -> new byte[ARRAY_BYTES]);

  private BodyCopy() {
  }

  /**
   * Reads up to {@code max} bytes of {@code in} (at least one, unless the body has ended) and
   * appends them to {@code buf}; returns how many, or -1 at the body's end.
   */
  static int append(InputStream in, ByteBuf buf, int max) throws IOException {
    byte[] a = ARRAY.get();
    int n = in.read(a, 0, Math.min(max, a.length));
    if (n > 0) {
      buf.writeBytes(a, 0, n);
    }
    return n;
  }
}
