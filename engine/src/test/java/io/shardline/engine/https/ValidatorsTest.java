package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.https.Validators.Conditions;
import io.shardline.engine.https.Validators.Decision;
import io.shardline.engine.https.Validators.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validators of a file version and the conditional-request decision (RFC 9110 section 13.2.2). */
class ValidatorsTest {
  static final String TAG = "\"abc\"";
  static final Instant MODIFIED = Instant.parse("2026-12-02T10:00:00Z");
  static final Validators V = new Validators(TAG, MODIFIED);
  static final String AT = "Wed, 02 Dec 2026 10:00:00 GMT";
  static final String BEFORE = "Wed, 02 Dec 2026 09:59:59 GMT";
  static final String AFTER = "Wed, 02 Dec 2026 10:00:01 GMT";

  private static Decision decide(String ifMatch, String ifNoneMatch, String ifModifiedSince, String ifUnmodifiedSince,
      String ifRange) {
    return V.decide(new Conditions(ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince, ifRange));
  }

  @Test
  void anUnconditionalRequestProceedsWithItsRange() {
    assertEquals(new Decision(Outcome.PROCEED, true), V.decide(Conditions.NONE));
  }

  @Test
  void ifNoneMatchWithTheCurrentTagIsNotModified() {
    assertEquals(Outcome.NOT_MODIFIED, decide(null, TAG, null, null, null).outcome());
    assertEquals(Outcome.NOT_MODIFIED, decide(null, "W/" + TAG, null, null, null).outcome(), "weak comparison");
    assertEquals(Outcome.NOT_MODIFIED, decide(null, "\"x\", " + TAG, null, null, null).outcome());
    assertEquals(Outcome.NOT_MODIFIED, decide(null, "*", null, null, null).outcome());
    assertEquals(Outcome.PROCEED, decide(null, "\"old\"", null, null, null).outcome());
  }

  @Test
  void ifNoneMatchOutranksIfModifiedSince() {
    assertEquals(Outcome.PROCEED, decide(null, "\"old\"", AFTER, null, null).outcome());
  }

  @Test
  void ifModifiedSinceComparesSeconds() {
    assertEquals(Outcome.NOT_MODIFIED, decide(null, null, AT, null, null).outcome());
    assertEquals(Outcome.NOT_MODIFIED, decide(null, null, AFTER, null, null).outcome());
    assertEquals(Outcome.PROCEED, decide(null, null, BEFORE, null, null).outcome());
    assertEquals(Outcome.PROCEED, decide(null, null, "yesterday", null, null).outcome(), "not a date: ignored");
  }

  @Test
  void ifMatchNeedsAStrongMatch() {
    assertEquals(Outcome.PROCEED, decide(TAG, null, null, null, null).outcome());
    assertEquals(Outcome.PROCEED, decide("*", null, null, null, null).outcome());
    assertEquals(Outcome.PRECONDITION_FAILED, decide("\"old\"", null, null, null, null).outcome());
    assertEquals(Outcome.PRECONDITION_FAILED, decide("W/" + TAG, null, null, null, null).outcome());
  }

  @Test
  void ifUnmodifiedSinceFailsForANewerFile() {
    assertEquals(Outcome.PRECONDITION_FAILED, decide(null, null, null, BEFORE, null).outcome());
    assertEquals(Outcome.PROCEED, decide(null, null, null, AT, null).outcome());
  }

  @Test
  void ifRangeKeepsTheRangeOnlyForTheSameVersion() {
    assertTrue(decide(null, null, null, null, TAG).rangeAllowed());
    assertTrue(decide(null, null, null, null, AT).rangeAllowed());
    assertFalse(decide(null, null, null, null, "\"old\"").rangeAllowed());
    assertFalse(decide(null, null, null, null, "W/" + TAG).rangeAllowed(), "a weak tag never matches");
    assertFalse(decide(null, null, null, null, BEFORE).rangeAllowed());
    assertFalse(decide(null, null, null, null, "garbage").rangeAllowed());
  }

  @Test
  void datesAreWrittenAsImfFixdate() {
    assertEquals("Wed, 02 Dec 2026 10:00:00 GMT", V.lastModifiedHeader());
    assertEquals(MODIFIED, Validators.date("Wed, 2 Dec 2026 10:00:00 GMT"));
  }

  @Test
  void theTagChangesWithEveryVersionOfTheFile(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("f");
    Files.write(f, new byte[10]);
    Files.setLastModifiedTime(f, FileTime.from(MODIFIED));
    Validators a = Validators.of(Files.readAttributes(f, BasicFileAttributes.class));
    assertEquals(a, Validators.of(Files.readAttributes(f, BasicFileAttributes.class)), "stable for one version");
    assertTrue(a.etag().startsWith("\"") && a.etag().endsWith("\""), "a strong tag");
    Files.setLastModifiedTime(f, FileTime.from(MODIFIED.plusNanos(1000)));
    Validators touched = Validators.of(Files.readAttributes(f, BasicFileAttributes.class));
    assertNotEquals(a.etag(), touched.etag(), "a touch within the second");
    assertEquals(a.lastModified(), touched.lastModified(), "Last-Modified has seconds only");
    Files.write(f, new byte[11]);
    Files.setLastModifiedTime(f, FileTime.from(MODIFIED));
    assertNotEquals(a.etag(), Validators.of(Files.readAttributes(f, BasicFileAttributes.class)).etag(), "new size");
    Path g = tmp.resolve("g");
    Files.write(g, new byte[10]);
    Files.setLastModifiedTime(g, FileTime.from(MODIFIED));
    Files.move(g, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertNotEquals(a.etag(), Validators.of(Files.readAttributes(f, BasicFileAttributes.class)).etag(),
        "replaced by another file of the same size and time");
  }
}
