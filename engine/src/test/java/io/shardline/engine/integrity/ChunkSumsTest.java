package io.shardline.engine.integrity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.testutil.TestFiles;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ChunkSums}: per-chunk CRC32C of a file, and which chunks of a file match a manifest. */
class ChunkSumsTest {
  static final int CHUNK = 4096;

  @TempDir
  Path tmp;
  Path file;
  byte[] content;
  FileManifest m;

  @BeforeEach
  void setUp() throws IOException {
    file = tmp.resolve("f.bin");
    content = TestFiles.write(file, 5 * CHUNK + 17, 3); // 6 chunks, the last one 17 bytes
    m = TestFiles.manifest(file, "f.bin", CHUNK);
  }

  static BitSet bits(int... indexes) {
    BitSet b = new BitSet();
    IntStream.of(indexes).forEach(b::set);
    return b;
  }

  @Test
  void computeIsTheCrcOfEachChunk() throws IOException {
    ChunkSums.Computed c = ChunkSums.compute(file, content.length, CHUNK);
    int[] crcs = c.crcs();
    assertEquals(6, crcs.length);
    assertEquals(6 * Sha256.BYTES, c.hashes().length);
    for (int i = 0; i < crcs.length; i++) {
      int off = i * CHUNK;
      int len = Math.min(CHUNK, content.length - off);
      assertEquals(Crc32c.of(content, off, len), crcs[i], "chunk " + i);
      assertArrayEquals(Sha256.of(content, off, len), Arrays.copyOfRange(c.hashes(), i * 32, i * 32 + 32), "hash " + i);
    }
  }

  @Test
  void computeAtChunkSizeEdges() throws IOException {
    assertArrayEquals(new int[0], ChunkSums.compute(Files.createFile(tmp.resolve("empty")), 0, CHUNK).crcs());
    Path exact = tmp.resolve("exact");
    byte[] b = TestFiles.write(exact, 2 * CHUNK, 4);
    assertArrayEquals(new int[] {Crc32c.of(b, 0, CHUNK), Crc32c.of(b, CHUNK, CHUNK)},
        ChunkSums.compute(exact, 2 * CHUNK, CHUNK).crcs());
    ChunkSums.Computed one = ChunkSums.compute(exact, 2 * CHUNK, 2 * CHUNK + 1);
    assertArrayEquals(new int[] {Crc32c.of(b, 0, 2 * CHUNK)}, one.crcs());
    assertArrayEquals(Sha256.of(b, 0, 2 * CHUNK), one.hashes());
  }

  @Test
  void computeFailsWhenTheFileIsNotTheExpectedSize() {
    assertThrows(IOException.class, () -> ChunkSums.compute(file, content.length + 1, CHUNK)); // shorter
    assertThrows(IOException.class, () -> ChunkSums.compute(file, content.length - 1, CHUNK)); // longer
  }

  @Test
  void matchingFindsEveryChunkOfAnIntactFile() throws IOException {
    assertEquals(bits(0, 1, 2, 3, 4, 5), ChunkSums.matching(file, m, null));
  }

  @Test
  void matchingExcludesCorruptChunks() throws IOException {
    TestFiles.corrupt(file, 0);
    TestFiles.corrupt(file, 3L * CHUNK + CHUNK - 1); // last byte of chunk 3
    TestFiles.corrupt(file, content.length - 1); // last byte of the short last chunk
    assertEquals(bits(1, 2, 4), ChunkSums.matching(file, m, null));
  }

  @Test
  void matchingReadsOnlyTheCandidates() throws IOException {
    TestFiles.corrupt(file, 2L * CHUNK);
    assertEquals(bits(1, 4), ChunkSums.matching(file, m, bits(1, 2, 4)));
    assertEquals(bits(), ChunkSums.matching(file, m, bits()));
  }

  @Test
  void shortFileMatchesNothingPastItsEnd() throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(3L * CHUNK + 100); // chunk 3 is cut short
    }
    assertEquals(bits(0, 1, 2), ChunkSums.matching(file, m, null));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
    assertEquals(bits(), ChunkSums.matching(file, m, null));
  }

  @Test
  void longerFileStillMatchesItsChunks() throws IOException {
    Files.write(file, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
    assertEquals(bits(0, 1, 2, 3, 4, 5), ChunkSums.matching(file, m, null));
  }

  @Test
  void missingFileMatchesNothing() throws IOException {
    Files.delete(file);
    assertEquals(bits(), ChunkSums.matching(file, m, null));
  }

  @Test
  void readFullyFailsAtEndOfFile() throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer dst = ByteBuffer.allocate(100);
      ChunkSums.readFully(ch, dst, content.length - 100);
      assertArrayEquals(Arrays.copyOfRange(content, content.length - 100, content.length), dst.array());
      assertThrows(EOFException.class, () -> ChunkSums.readFully(ch, ByteBuffer.allocate(100), content.length - 99));
    }
  }
}
