package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListingAgreementTest {
  private static final int CHUNK = 4;

  private static FileManifest file(String name, long size, int crcSeed) {
    int[] crcs = new int[FileManifest.chunkCount(size, CHUNK)];
    for (int i = 0; i < crcs.length; i++) {
      crcs[i] = crcSeed + i;
    }
    byte[] root = new byte[RootDigest.BYTES];
    root[0] = (byte) crcSeed;
    return new FileManifest(name, name, size, 1000, CHUNK, crcs, new byte[crcs.length * 32], root);
  }

  private static ShardlineException refused(List<FileManifest> a, List<FileManifest> b) {
    return assertThrows(ShardlineException.class,
        () -> ListingAgreement.check(List.of("near", "far"), List.of(a, b)));
  }

  @Test
  void identicalListingsAgreeAndThePreferredOneIsKept() {
    List<FileManifest> near = List.of(file("a", 10, 1), file("b", 3, 2));
    List<FileManifest> far = List.of(file("b", 3, 2), file("a", 10, 1)); // order does not matter
    assertSame(near, ListingAgreement.check(List.of("near", "far"), List.of(near, far)));
  }

  @Test
  void aDifferentSizeIsRefusedNamingTheSourceAndTheFile() {
    ShardlineException e = refused(List.of(file("a", 10, 1)), List.of(file("a", 11, 1)));
    assertEquals(ErrorCode.SOURCES_DISAGREE, e.code());
    assertTrue(e.getMessage().contains("far") && e.getMessage().contains("a has 11 bytes, not 10"), e.getMessage());
  }

  @Test
  void aDifferentRootIsRefused() {
    ShardlineException e = refused(List.of(file("a", 10, 1)), List.of(file("a", 10, 7)));
    assertTrue(e.getMessage().contains("root"), e.getMessage());
  }

  @Test
  void aFileOnlyOneSourceListsIsRefused() {
    assertTrue(refused(List.of(file("a", 10, 1)), List.of(file("a", 10, 1), file("x", 1, 1)))
        .getMessage().contains("x is not listed by near"));
    assertTrue(refused(List.of(file("a", 10, 1), file("b", 1, 1)), List.of(file("a", 10, 1)))
        .getMessage().contains("b is missing"));
  }

  @Test
  void aStreamedListingAgreesOnWhatItKnows() {
    FileManifest streamed = FileManifest.streamed("a", "a", 10, 1000, CHUNK);
    List<FileManifest> near = List.of(file("a", 10, 1));
    ListingAgreement.check(List.of("near", "far"), List.of(near, List.of(streamed)));
    assertTrue(refused(near, List.of(FileManifest.streamed("a", "a", 12, 1000, CHUNK)))
        .getMessage().contains("12 bytes"));
    assertEquals(null, ListingAgreement.difference(streamed, file("a", 10, 3)));
  }
}
