package io.shardline.engine.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import org.junit.jupiter.api.Test;

/** {@code hdfs://NAMENODE:PORT/PATH} parsing: host and port rules, path normalisation, escapes refused; names. */
class HdfsLocationTest {
  @Test
  void hostPortAndNormalisedPath() {
    assertEquals(new HdfsLocation("nn1.example", 8020, "/a/b"), HdfsLocation.parse("hdfs://nn1.example:8020//a/b/"));
    assertEquals(new HdfsLocation("127.0.0.1", 9000, "/"), HdfsLocation.parse("hdfs://127.0.0.1:9000"));
    assertEquals(new HdfsLocation("nn", 9000, "/"), HdfsLocation.parse("HDFS://nn:9000/"));
    assertEquals("hdfs://nn:9000/a/b", HdfsLocation.parse("hdfs://nn:9000/a//b").toString());
    assertEquals("hdfs://nn:9000", HdfsLocation.parse("hdfs://nn:9000/x").fileSystem());
  }

  @Test
  void pathsStayUnderTheLocation() {
    HdfsLocation l = HdfsLocation.parse("hdfs://nn:8020/models/v1");
    assertEquals("/models/v1/shard.bin", l.path("shard.bin"));
    assertEquals("/models/v1", l.path(""));
    assertEquals("/x/y", HdfsLocation.parse("hdfs://nn:8020").path("x/y"));
    assertEquals(new HdfsLocation("nn", 8020, "/models/v1/sub"), l.resolve("sub"));
  }

  @Test
  void dotSegmentsThatCouldEscapeAreRefusedWithTheReason() {
    for (String url : new String[] {"hdfs://nn:8020/a/../b", "hdfs://nn:8020/..", "hdfs://nn:8020/./a",
        "hdfs://nn:8020/a\\b", "hdfs://nn:8020/a\0b"}) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> HdfsLocation.parse(url), url);
      assertEquals(ErrorCode.BAD_PATH, e.code());
      assertTrue(e.getMessage().startsWith("bad HDFS location " + url + ": the path holds"), e.getMessage());
    }
  }

  @Test
  void badNameNodesAreRefusedWithTheReason() {
    String[][] cases = {
        {"hdfs://", "names no NameNode host"},
        {"hdfs:///x", "names no NameNode host"},
        {"hdfs://:8020/x", "names no NameNode host"},
        {"hdfs://nn/x", "names no NameNode port"},
        {"hdfs://nn:0/x", "is not a port"},
        {"hdfs://nn:70000/x", "is not a port"},
        {"hdfs://nn:http/x", "is not a port"},
        {"hdfs://n_n:8020/x", "is not a host name"},
        {"hdfs://user:secret@nn:8020/x", "holds a user or password"},
        {"hdfs://nn:8020/x?user.name=root", "holds a query"},
        {"s3://bucket/x", "does not start with hdfs://"},
    };
    for (String[] c : cases) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> HdfsLocation.parse(c[0]), c[0]);
      assertEquals(ErrorCode.BAD_PATH, e.code());
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
      assertFalse(e.getMessage().contains("secret") && !c[0].contains("secret"), e.getMessage());
    }
  }

  @Test
  void schemeIsRecognisedInAnyCase() {
    assertTrue(HdfsLocation.isHdfs("hdfs://nn:1/"));
    assertTrue(HdfsLocation.isHdfs("HdFs://nn:1/"));
    assertFalse(HdfsLocation.isHdfs("s3://b/"));
    assertFalse(HdfsLocation.isHdfs("/local/hdfs"));
    assertFalse(HdfsLocation.isHdfs(null));
  }

  @Test
  void namesOfStateAndPartialFilesAreNeverUsable() {
    assertNull(HdfsNames.problem("a/b.bin"));
    assertEquals(".b.bin.shardline-partial", HdfsNames.partial("b.bin"));
    assertTrue(HdfsNames.isPartial(HdfsNames.partial("b.bin")));
    assertEquals("it is a partial file of a pull in progress", HdfsNames.problem("a/.b.bin.shardline-partial"));
    assertEquals("it is in a .shardline folder", HdfsNames.problem(".shardline/journal"));
    assertEquals("it has a '..' segment", HdfsNames.problem("a/../b"));
    assertEquals("it holds a NUL, a backslash or a colon", HdfsNames.problem("a:b"));
    assertEquals("it has an empty segment (a leading, trailing or doubled '/')", HdfsNames.problem("a//b"));
    assertEquals("it is empty", HdfsNames.problem(""));
  }
}
