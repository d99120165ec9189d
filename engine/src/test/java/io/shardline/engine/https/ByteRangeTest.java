package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What a {@code Range} header asks of a file (RFC 9110 section 14), a pure function. */
class ByteRangeTest {
  private static ByteRange.Part part(long a, long b) {
    return new ByteRange.Part(a, b);
  }

  @Test
  void noHeaderMeansTheWholeFile() {
    assertEquals(ByteRange.WHOLE, ByteRange.of(null, 100));
  }

  @Test
  void aClosedRangeIsServedAsAsked() {
    assertEquals(part(0, 9), ByteRange.of("bytes=0-9", 100));
    assertEquals(part(10, 10), ByteRange.of("bytes=10-10", 100));
    assertEquals(part(5, 9), ByteRange.of(" bytes = 5 - 9 ", 100));
    assertEquals(part(5, 9), ByteRange.of("Bytes=5-9", 100));
  }

  @Test
  void aRangePastTheEndIsCutToTheFile() {
    assertEquals(part(90, 99), ByteRange.of("bytes=90-1000", 100));
    assertEquals(part(90, 99), ByteRange.of("bytes=90-", 100));
  }

  @Test
  void aSuffixIsTheLastBytes() {
    assertEquals(part(80, 99), ByteRange.of("bytes=-20", 100));
    assertEquals(part(0, 99), ByteRange.of("bytes=-500", 100));
  }

  @Test
  void aRangeWithNothingOfTheFileIsUnsatisfiable() {
    assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of("bytes=100-", 100));
    assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of("bytes=100-200", 100));
    assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of("bytes=-0", 100));
    assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of("bytes=0-", 0));
    assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of("bytes=-5", 0));
  }

  @Test
  void whatCannotBeReadIsIgnoredAndTheWholeFileServed() {
    for (String h : new String[] {"bytes=9-5", "bytes=a-b", "bytes=", "bytes=-", "items=0-5", "0-5", "bytes=1-2,4-5",
        "bytes=0x10-20", "bytes=99999999999999999999-", "bytes=+5-6", "bytes=" + "1".repeat(300) + "-"}) {
      assertEquals(ByteRange.WHOLE, ByteRange.of(h, 100), h);
    }
  }

  @Test
  void contentRangeNamesThePartAndTheSize() {
    assertEquals("bytes 5-9/100", part(5, 9).contentRange(100));
    assertEquals(5, part(5, 9).length());
  }
}
