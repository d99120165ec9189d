package io.shardline.engine.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** How {@link ShardlineException#wrap} types what a lower layer threw. */
class ShardlineExceptionTest {
  @Test
  void aShardlineExceptionPassesThroughUnchanged() {
    ShardlineException e = new ShardlineException(ErrorCode.BUSY, "busy");
    assertSame(e, ShardlineException.wrap(e, ErrorCode.IO_ERROR));
  }

  @Test
  void anOrdinaryFailureTakesTheFallbackCodeAndNamesItsKind() {
    ShardlineException e = ShardlineException.wrap(new NoSuchFileException("/x"), ErrorCode.CONNECTION_LOST);
    assertEquals(ErrorCode.CONNECTION_LOST, e.code());
    assertTrue(e.retryable());
    assertEquals("NoSuchFile: /x", e.getMessage());
  }

  @Test
  void aClassThatFailedToInitialiseIsInternalAndNeverRetried() {
    // e.g. Netty refusing its aligned allocator on a JDK without sun.misc.Unsafe memory access:
    // retried as a lost connection, a pull waited its whole progress timeout before failing
    for (LinkageError error : new LinkageError[] {
        new ExceptionInInitializerError("directMemoryCacheAlignment is not supported"),
        new NoClassDefFoundError("Could not initialize class io.shardline.engine.wire.FrameSocket"),
        new UnsatisfiedLinkError("no zstd-jni in java.library.path")}) {
      ShardlineException e = ShardlineException.wrap(error, ErrorCode.CONNECTION_LOST);
      assertEquals(ErrorCode.INTERNAL, e.code(), error.toString());
      assertFalse(e.retryable(), error.toString());
      assertSame(error, e.getCause());
      assertTrue(e.getMessage().contains(error.getMessage()), e.getMessage());
    }
  }
}
