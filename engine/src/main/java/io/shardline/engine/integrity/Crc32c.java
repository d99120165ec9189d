package io.shardline.engine.integrity;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C of buffer contents, without copying (uses the JDK intrinsic on direct buffers). */
public final class Crc32c {
  private Crc32c() {}

  /** CRC32C of the readable bytes of {@code buf}; does not move its indices. */
  public static int of(ByteBuf buf) {
    CRC32C crc = new CRC32C();
    if (buf.nioBufferCount() == 1) {
      crc.update(buf.nioBuffer());
    } else {
      for (ByteBuffer b : buf.nioBuffers()) {
        crc.update(b);
      }
    }
    return (int) crc.getValue();
  }

  /** CRC32C of the remaining bytes of {@code b}; does not move its position. */
  public static int of(ByteBuffer b) {
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate());
    return (int) crc.getValue();
  }

  public static int of(byte[] b, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, off, len);
    return (int) crc.getValue();
  }
}
