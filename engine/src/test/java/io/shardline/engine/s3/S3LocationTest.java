package io.shardline.engine.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import org.junit.jupiter.api.Test;

/** {@code s3://BUCKET/PREFIX} parsing: bucket rules, prefix normalisation, escapes refused; names. */
class S3LocationTest {
  @Test
  void bucketAndNormalisedPrefix() {
    assertEquals(new S3Location("my-bucket.1", "a/b"), S3Location.parse("s3://my-bucket.1//a/b/"));
    assertEquals(new S3Location("abc", ""), S3Location.parse("s3://abc"));
    assertEquals(new S3Location("abc", ""), S3Location.parse("S3://abc/"));
    assertEquals("s3://abc/a/b", S3Location.parse("s3://abc/a//b").toString());
  }

  @Test
  void keysStayUnderThePrefix() {
    S3Location l = S3Location.parse("s3://abc/models/v1");
    assertEquals("models/v1/shard.bin", l.key("shard.bin"));
    assertEquals("models/v1", l.key(""));
    assertEquals("x/y", S3Location.parse("s3://abc").key("x/y"));
    assertEquals(new S3Location("abc", "models/v1/sub"), l.resolve("sub"));
  }

  @Test
  void badBucketsAreRefusedWithTheReason() {
    for (String url : new String[] {"s3://", "s3:///x", "s3://ab", "s3://Upper", "s3://-abc", "s3://abc-",
        "s3://a..b", "s3://192.168.1.1", "s3://under_score", "s3://" + "a".repeat(64)}) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> S3Location.parse(url), url);
      assertEquals(ErrorCode.BAD_PATH, e.code());
      assertTrue(e.getMessage().startsWith("bad S3 location " + url + ": "), e.getMessage());
    }
    assertThrows(ShardlineException.class, () -> S3Location.parse("https://abc/x"));
  }

  @Test
  void prefixesThatEscapeAreRefused() {
    for (String url : new String[] {"s3://abc/..", "s3://abc/a/../b", "s3://abc/./a", "s3://abc/a/..", "s3://abc/a\\b"}) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> S3Location.parse(url), url);
      assertEquals(ErrorCode.BAD_PATH, e.code());
    }
    assertTrue(S3Location.parse("s3://abc/a/..b/c..").prefix().equals("a/..b/c.."), "dots inside a name are fine");
  }

  @Test
  void namesAreRelativePathsOutsideStateFolders() {
    assertNull(S3Names.problem("a/b.bin"));
    assertNull(S3Names.problem("..a"));
    for (String bad : new String[] {"", "/a", "a/", "a//b", "..", "a/../b", ".", ".shardline/x", "a/.shardline/b",
        "a\\b", "a\0b"}) {
      assertFalse(S3Names.problem(bad) == null, bad);
    }
  }

  @Test
  void endpointsAreHttpUrlsWithoutCredentials() {
    assertEquals("http://127.0.0.1:9000", S3Clients.endpoint("http://127.0.0.1:9000").toString());
    assertThrows(IllegalArgumentException.class, () -> S3Clients.endpoint("ftp://host"));
    assertThrows(IllegalArgumentException.class, () -> S3Clients.endpoint("http://user:secret@host"));
    assertThrows(IllegalArgumentException.class, () -> S3Clients.endpoint("host:9000"));
  }
}
