package io.shardline.engine.httpsget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import org.junit.jupiter.api.Test;

/** The version an HTTPS source's answers name, and the check every ranged answer passes. */
class SourceVersionTest {
  static final SourceVersion V = new SourceVersion(100, "\"e1\"", "Wed, 02 Dec 2026 10:00:00 GMT");

  @Test
  void contentRangeIsReadStrictly() {
    assertArrayEquals(new long[] {0, 9, 100}, SourceVersion.contentRange("bytes 0-9/100"));
    assertArrayEquals(new long[] {-1, -1, 0}, SourceVersion.contentRange("bytes */0"));
    for (String bad : new String[] {null, "bytes 0-9/*", "bytes 9-0/100", "bytes 0-100/100", "items 0-9/100",
        "bytes 0-9", "bytes a-9/100", "bytes 0-9/1000000000000000000000"}) {
      assertNull(SourceVersion.contentRange(bad), bad);
    }
  }

  @Test
  void anAnswerOfTheSameVersionAndRangePasses() {
    V.checkPart(10, 19, "bytes 10-19/100", "\"e1\"", "Wed, 02 Dec 2026 10:00:00 GMT");
  }

  @Test
  void anotherVersionIsSourceChanged() {
    ShardlineException e = assertThrows(ShardlineException.class,
        () -> V.checkPart(10, 19, "bytes 10-19/100", "\"e2\"", "Wed, 02 Dec 2026 10:00:00 GMT"));
    assertEquals(ErrorCode.SOURCE_CHANGED, e.code());
    assertEquals(ErrorCode.SOURCE_CHANGED, assertThrows(ShardlineException.class,
        () -> V.checkPart(10, 19, "bytes 10-19/101", "\"e1\"", "Wed, 02 Dec 2026 10:00:00 GMT")).code());
    assertEquals(ErrorCode.SOURCE_CHANGED, assertThrows(ShardlineException.class,
        () -> V.checkPart(10, 19, "bytes 10-19/100", "\"e1\"", null)).code());
  }

  @Test
  void anotherRangeIsABadResponse() {
    assertEquals(ErrorCode.BAD_RESPONSE, assertThrows(ShardlineException.class,
        () -> V.checkPart(10, 19, "bytes 10-18/100", "\"e1\"", "Wed, 02 Dec 2026 10:00:00 GMT")).code());
  }

  @Test
  void theIdentityNamesTheVersionNotTheUrl() {
    assertArrayEquals(V.identity(), new SourceVersion(100, "\"e1\"", V.lastModified()).identity());
    assertFalse(java.util.Arrays.equals(V.identity(), new SourceVersion(100, "\"e2\"", V.lastModified()).identity()));
    assertFalse(java.util.Arrays.equals(V.identity(), new SourceVersion(101, "\"e1\"", V.lastModified()).identity()));
    assertTrue(V.hasValidator());
    assertFalse(new SourceVersion(1, null, null).hasValidator());
  }
}
