package io.shardline.engine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LocalChunkSink}: chunks written in any order to a partial file, resumed from its journal
 * only where they still read back right, published by digest check and atomic rename.
 */
class LocalChunkSinkTest {
  static final int CHUNK = 4096;
  static final String NAME = "llama/shard-00001.bin";

  @TempDir
  Path tmp;
  Path dest;
  byte[] content;
  FileManifest m;

  @BeforeEach
  void setUp() throws IOException {
    Path src = tmp.resolve("src.bin");
    content = TestFiles.write(src, 3 * CHUNK + 100, 1); // 4 chunks, the last one short
    m = TestFiles.manifest(src, NAME, CHUNK);
    dest = tmp.resolve("dest");
  }

  static BitSet bits(int... indexes) {
    BitSet b = new BitSet();
    IntStream.of(indexes).forEach(b::set);
    return b;
  }

  /** Writes chunk {@code i} of {@code bytes}; returns the CRC of what was written. */
  int write(LocalChunkSink pf, FileManifest manifest, int i, byte[] bytes) throws IOException {
    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(manifest.chunkLength(i));
    try {
      b.writeBytes(bytes, (int) manifest.chunkOffset(i), manifest.chunkLength(i));
      int crc = Crc32c.of(b);
      pf.write(i, b);
      return crc;
    } finally {
      b.release();
    }
  }

  /** Writes chunk {@code i} of {@code bytes} and journals it; returns its CRC. */
  int put(LocalChunkSink pf, int i, byte[] bytes) throws IOException {
    int crc = write(pf, m, i, bytes);
    pf.journal(i, crc);
    return crc;
  }

  Path stateDir() {
    return dest.resolve(LocalChunkSink.STATE_DIR);
  }

  /** The files (not folders: their layout is the class's business) under the state folder. */
  List<Path> stateFiles() throws IOException {
    if (!Files.exists(stateDir())) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(stateDir())) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void freshPrepareNeedsEveryChunkAndOpensNothing() throws IOException {
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(), pf.prepare());
      assertFalse(pf.alreadyComplete());
      assertEquals(dest.toAbsolutePath().resolve(NAME), pf.finalPath());
      assertTrue(pf.partPath().startsWith(stateDir().toAbsolutePath()), pf.partPath()::toString);
      assertEquals(List.of(), stateFiles(), "files are opened at the first write");

      put(pf, 3, content);
      assertEquals(m.size(), Files.size(pf.partPath()), "preallocated to its final size");
      assertEquals(List.of(pf.partPath().toAbsolutePath()), stateFiles(), "the journal waits for a flush");
      pf.flushJournal();
      assertEquals(2, stateFiles().size());
      assertFalse(Files.exists(pf.finalPath()));
    }
  }

  @Test
  void preparedButNeverWrittenLeavesNothingBehind() throws IOException {
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(), pf.prepare());
    }
    assertEquals(List.of(), stateFiles());
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void chunksInAnyOrderThenPublish(boolean directIo) throws IOException {
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m, directIo)) {
      pf.prepare();
      int[] crcs = new int[m.chunkCount()];
      for (int i : new int[] {3, 1, 0, 2}) {
        crcs[i] = put(pf, i, content);
      }
      pf.flushJournal();
      pf.publish(crcs, m.chunkHashes());
      assertArrayEquals(content, Files.readAllBytes(pf.finalPath()));
      assertFalse(Files.exists(pf.partPath()));
    }
    assertEquals(List.of(), stateFiles(), "the journal goes with the partial file");
  }

  @Test
  void resumeKeepsOnlyJournalledChunksThatReadBack() throws IOException {
    Path part;
    try (LocalChunkSink first = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(), first.prepare());
      put(first, 0, content);
      put(first, 1, content);
      put(first, 2, content);
      write(first, m, 3, content); // written, but the process died before journalling it
      first.flushJournal();
      part = first.partPath();
    }
    TestFiles.corrupt(part, m.chunkOffset(1) + 10);

    try (LocalChunkSink resumed = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(0, 2), resumed.prepare(), "chunk 1 reads back wrong, chunk 3 was never journalled");
      assertFalse(resumed.alreadyComplete());
    }
    // prepare rewrote the journal with the good chunks only: repairing chunk 1 on disk behind
    // its back does not bring its claim back
    Files.write(part, content, StandardOpenOption.WRITE);
    try (LocalChunkSink resumed = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(0, 2), resumed.prepare());
      int[] crcs = m.chunkCrcs().clone();
      crcs[1] = put(resumed, 1, content);
      crcs[3] = put(resumed, 3, content);
      resumed.publish(crcs, m.chunkHashes());
      assertArrayEquals(content, Files.readAllBytes(resumed.finalPath()));
    }
    assertEquals(List.of(), stateFiles());
  }

  /**
   * Issue 17: a full disk can keep the journal from ever being created. The partial file's
   * written chunks are then found by reading it back; chunks never written (sparse zeros) are not.
   */
  @Test
  void aLocalChunkSinkWithoutAJournalIsReadBack() throws IOException {
    Path part;
    try (LocalChunkSink first = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(), first.prepare());
      write(first, m, 0, content);
      write(first, m, 2, content); // written; the journal was never flushed
      part = first.partPath();
    }
    Files.deleteIfExists(part.resolveSibling(part.getFileName().toString().replace(".part", ".journal")));
    try (LocalChunkSink resumed = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(0, 2), resumed.prepare(), "written chunks read back; holes do not match");
    }
    // An all-zero chunk is never taken from a partial file without a journal: a hole reads the same.
    byte[] zeros = new byte[content.length];
    Path zf = tmp.resolve("zeros.bin");
    Files.write(zf, zeros);
    FileManifest mz = TestFiles.manifest(zf, "z.bin", CHUNK);
    try (LocalChunkSink first = LocalChunkSink.of(dest, mz)) {
      first.prepare();
      write(first, mz, 1, zeros);
    }
    try (LocalChunkSink resumed = LocalChunkSink.of(dest, mz)) {
      assertEquals(bits(), resumed.prepare());
    }
  }

  @Test
  void journalWithoutItsLocalChunkSinkClaimsNothing() throws IOException {
    Path part;
    try (LocalChunkSink first = LocalChunkSink.of(dest, m)) {
      first.prepare();
      put(first, 0, content);
      first.flushJournal();
      part = first.partPath();
    }
    Files.delete(part);
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(), pf.prepare());
      assertEquals(List.of(), stateFiles(), "the orphaned journal is dropped");
    }
  }

  @Test
  void partialOfAnotherVersionStartsOver() throws IOException {
    try (LocalChunkSink first = LocalChunkSink.of(dest, m)) {
      first.prepare();
      put(first, 0, content);
      put(first, 1, content);
      first.flushJournal();
    }
    // the source changed (same name, same size): the old journal names another root
    Path v2 = tmp.resolve("v2.bin");
    byte[] newer = TestFiles.write(v2, content.length, 2);
    FileManifest m2 = TestFiles.manifest(v2, NAME, CHUNK);
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m2)) {
      assertEquals(bits(), pf.prepare());
      assertEquals(List.of(), stateFiles(), "the old partial file and journal are dropped");
      int[] crcs = new int[m2.chunkCount()];
      for (int i = 0; i < m2.chunkCount(); i++) {
        crcs[i] = write(pf, m2, i, newer);
      }
      pf.publish(crcs, m2.chunkHashes());
      assertArrayEquals(newer, Files.readAllBytes(pf.finalPath()));
    }
  }

  @Test
  void completeFinalFileNeedsNothing() throws IOException {
    Path target = dest.resolve(NAME);
    Files.createDirectories(target.getParent());
    Files.write(target, content);
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(0, 1, 2, 3), pf.prepare());
      assertTrue(pf.alreadyComplete());
      assertFalse(Files.exists(stateDir()), "nothing to resume, nothing created");
      pf.skipComplete();
    }
    assertArrayEquals(content, Files.readAllBytes(target));
  }

  @Test
  void completeFinalFileDropsAStaleResumeState() throws IOException {
    try (LocalChunkSink first = LocalChunkSink.of(dest, m)) {
      first.prepare();
      put(first, 0, content);
      first.flushJournal();
    }
    Files.createDirectories(dest.resolve(NAME).getParent());
    Files.write(dest.resolve(NAME), content);
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      pf.prepare();
      assertTrue(pf.alreadyComplete());
      pf.skipComplete();
    }
    assertEquals(List.of(), stateFiles());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, -1})
  void finalFileThatDiffersIsReplacedNotTrusted(int sizeDelta) throws IOException {
    Path target = dest.resolve(NAME);
    Files.createDirectories(target.getParent());
    byte[] stale = content.clone();
    stale[content.length / 2] ^= 1;
    Files.write(target, Arrays.copyOf(stale, content.length + sizeDelta));
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      assertEquals(bits(), pf.prepare());
      assertFalse(pf.alreadyComplete());
      int[] crcs = new int[m.chunkCount()];
      for (int i = 0; i < m.chunkCount(); i++) {
        crcs[i] = put(pf, i, content);
      }
      pf.publish(crcs, m.chunkHashes());
    }
    assertArrayEquals(content, Files.readAllBytes(target));
  }

  @Test
  void publishWithWrongCrcsFailsAndLeavesNoFinalFile() throws IOException {
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      pf.prepare();
      int[] crcs = new int[m.chunkCount()];
      for (int i = 0; i < m.chunkCount(); i++) {
        crcs[i] = put(pf, i, content);
      }
      int[] wrong = crcs.clone();
      wrong[2] ^= 1;
      for (int[] bad : new int[][] {wrong, new int[0], Arrays.copyOf(crcs, 3)}) {
        ShardlineException e = assertThrows(ShardlineException.class, () -> pf.publish(bad, m.chunkHashes()));
        assertEquals(ErrorCode.DIGEST_MISMATCH, e.code());
        assertTrue(e.retryable());
        assertFalse(Files.exists(pf.finalPath()));
        assertTrue(Files.exists(pf.partPath()), "kept for another try");
      }
      byte[] wrongHash = m.chunkHashes().clone();
      wrongHash[40] ^= 1; // chunk 1's SHA-256: the root over the hashes differs though every CRC matches
      ShardlineException e = assertThrows(ShardlineException.class, () -> pf.publish(crcs, wrongHash));
      assertEquals(ErrorCode.DIGEST_MISMATCH, e.code());
      assertFalse(Files.exists(pf.finalPath()));
    }
    assertFalse(Files.exists(dest.resolve(NAME)));
  }

  @Test
  void emptyFilePublishes() throws IOException {
    Path empty = Files.createFile(tmp.resolve("empty.bin"));
    FileManifest m0 = TestFiles.manifest(empty, "empty.bin", CHUNK);
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m0)) {
      assertEquals(bits(), pf.prepare());
      pf.publish(new int[0], new byte[0]);
      assertEquals(0, Files.size(pf.finalPath()));
    }
    try (LocalChunkSink again = LocalChunkSink.of(dest, m0)) {
      assertEquals(bits(), again.prepare(), "no chunks to have");
      assertTrue(again.alreadyComplete());
      again.skipComplete();
    }
  }

  @Test
  void writeRefusesAChunkOfTheWrongLength() throws IOException {
    try (LocalChunkSink pf = LocalChunkSink.of(dest, m)) {
      pf.prepare();
      ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(CHUNK).writeZero(CHUNK);
      try {
        assertThrows(IllegalArgumentException.class, () -> pf.write(3, b)); // the last chunk is 100 bytes
      } finally {
        b.release();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "/etc/passwd", "a/../../x", "a/./b", "a//b", "", ".shardline", ".shardline/x",
      ".shardline/abc.part", "a\\..\\x"})
  void namesThatEscapeOrCollideAreRefused(String name) throws IOException {
    ShardlineException e = assertThrows(ShardlineException.class, () -> LocalChunkSink.of(dest, m.withName(name)));
    assertEquals(ErrorCode.BAD_PATH, e.code(), e::toString);
    assertFalse(Files.exists(dest));
  }

  @Test
  void namesThatMerelyLookLikeTheStateDirAreFine() throws IOException {
    for (String name : List.of(".shardline2", "x/.shardline", "x/.shardline/y", ".shardlinex/y")) {
      assertEquals(dest.toAbsolutePath().resolve(name), LocalChunkSink.of(dest, m.withName(name)).finalPath());
    }
  }

  @Test
  void eachNameHasItsOwnLocalChunkSink() {
    Path a = LocalChunkSink.of(dest, m.withName("a.bin")).partPath();
    Path b = LocalChunkSink.of(dest, m.withName("b.bin")).partPath();
    assertNotEquals(a, b);
    assertEquals(a, LocalChunkSink.of(dest, m.withName("a.bin")).partPath());
  }
}
