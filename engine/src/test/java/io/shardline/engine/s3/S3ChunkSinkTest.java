package io.shardline.engine.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checksums an S3 store reports, as the sink computes them from a manifest (pure). */
class S3ChunkSinkTest {
  @Test
  void partChecksumIsBase64OfTheBigEndianCrc() {
    assertEquals("AAAAAA==", S3ChunkSink.crc32c(0));
    assertEquals("SynupA==", S3ChunkSink.crc32c(0x4b29eea4));
  }

  /**
   * Two identical 5 MiB parts (from {@code new Random(1)}): S3Proxy 4.1.0 and S3Mock 5.2.0 both
   * answered HEAD (checksum mode) with "tiuO1g==-2" for this object, parts "SynupA==".
   */
  @Test
  void objectChecksumIsTheCompositeOfThePartCrcs() {
    byte[] part = new byte[5 * 1024 * 1024];
    new Random(1).nextBytes(part);
    int crc = Crc32c.of(part, 0, part.length);
    assertEquals("SynupA==", S3ChunkSink.crc32c(crc));
    int[] crcs = {crc, crc};
    FileManifest m = FileManifest.of("o", "o", 2L * part.length, 0, part.length, crcs, TestFiles.fakeHashes(2, 1));
    assertEquals("tiuO1g==-2", S3ChunkSink.objectChecksum(m));
    FileManifest empty = FileManifest.of("e", "e", 0, 0, part.length, new int[0], new byte[0]);
    assertEquals("AAAAAA==", S3ChunkSink.objectChecksum(empty));
  }
}
