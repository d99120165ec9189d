package io.shardline.engine.integrity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.testutil.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ManifestCache}: sums are computed once per file version and chunk size. To tell a cached
 * answer from a fresh one, the tests rewrite a file's bytes behind the cache's back (same size,
 * same mtime, same inode): a cache hit then returns the old sums, a recomputation the new ones.
 */
class ManifestCacheTest {
  static final int CHUNK = 4096;

  @TempDir
  Path tmp;
  Path file;
  Path state;
  byte[] original;

  @BeforeEach
  void setUp() throws IOException {
    file = tmp.resolve("served/model.bin");
    original = TestFiles.write(file, 3 * CHUNK + 5, 1);
    state = tmp.resolve("state/manifests"); // does not exist yet
  }

  static BasicFileAttributes attrs(Path f) throws IOException {
    return Files.readAttributes(f, BasicFileAttributes.class);
  }

  /** Sums as they are on disk now. */
  ManifestCache.Sums fresh(int chunkSize) throws IOException {
    long size = Files.size(file);
    ChunkSums.Computed c = ChunkSums.compute(file, size, chunkSize);
    return ManifestCache.Sums.of(size, chunkSize, c.crcs(), c.hashes());
  }

  /** Overwrites the bytes in place and restores the mtime: the cache key cannot see the change. */
  void rewriteBehindTheCachesBack(long seed) throws IOException {
    FileTime mtime = Files.getLastModifiedTime(file);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(TestFiles.bytes(original.length, seed));
      while (b.hasRemaining()) {
        ch.write(b, b.position());
      }
    }
    Files.setLastModifiedTime(file, mtime);
  }

  List<Path> sumsFiles() throws IOException {
    if (!Files.isDirectory(state)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(state)) {
      List<Path> all = s.sorted().toList();
      all.forEach(p -> assertTrue(p.toString().endsWith(".sums"), () -> "stray file " + p));
      return all;
    }
  }

  static void assertSameSums(ManifestCache.Sums expected, ManifestCache.Sums actual) {
    assertArrayEquals(expected.crcs(), actual.crcs());
    assertArrayEquals(expected.hashes(), actual.hashes());
    assertArrayEquals(expected.root(), actual.root());
  }

  @Test
  void firstCallComputesAndPersists() throws IOException {
    ManifestCache.Sums s = new ManifestCache(state).sums(file, attrs(file), CHUNK);
    assertSameSums(fresh(CHUNK), s);
    assertEquals(1, sumsFiles().size());
    assertEquals(8 + RootDigest.BYTES + (4 + 32) * 4, Files.size(sumsFiles().get(0)));
  }

  @Test
  void secondCallIsServedFromMemory() throws IOException {
    ManifestCache cache = new ManifestCache(null);
    ManifestCache.Sums first = cache.sums(file, attrs(file), CHUNK);
    rewriteBehindTheCachesBack(2);
    assertFalse(Arrays.equals(first.crcs(), fresh(CHUNK).crcs()), "the rewrite changed the sums");
    assertSameSums(first, cache.sums(file, attrs(file), CHUNK));
    assertEquals(List.of(), sumsFiles(), "memory only: nothing on disk");
  }

  @Test
  void newCacheOnTheSameDirectoryReusesTheSumsFile() throws IOException {
    ManifestCache.Sums first = new ManifestCache(state).sums(file, attrs(file), CHUNK);
    List<Path> stored = sumsFiles();
    rewriteBehindTheCachesBack(2);

    // a restarted server: empty memory, same state directory
    assertSameSums(first, new ManifestCache(state).sums(file, attrs(file), CHUNK));
    assertEquals(stored, sumsFiles());
    // without the directory the same file is summed again
    assertSameSums(fresh(CHUNK), new ManifestCache(null).sums(file, attrs(file), CHUNK));
  }

  @Test
  void modifiedFileGetsNewSums() throws IOException {
    ManifestCache cache = new ManifestCache(state);
    FileTime mtime = Files.getLastModifiedTime(file);
    cache.sums(file, attrs(file), CHUNK);

    // same size, new mtime
    rewriteBehindTheCachesBack(2);
    Files.setLastModifiedTime(file, FileTime.fromMillis(mtime.toMillis() + 2_000));
    assertSameSums(fresh(CHUNK), cache.sums(file, attrs(file), CHUNK));
    assertEquals(2, sumsFiles().size());

    // new size (and mtime)
    Files.write(file, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
    Files.setLastModifiedTime(file, FileTime.fromMillis(mtime.toMillis() + 4_000));
    ManifestCache.Sums grown = cache.sums(file, attrs(file), CHUNK);
    assertSameSums(fresh(CHUNK), grown);
    assertEquals(4, grown.crcs().length);
    assertEquals(3, sumsFiles().size());
    assertSameSums(grown, new ManifestCache(state).sums(file, attrs(file), CHUNK));
  }

  @Test
  void eachChunkSizeIsItsOwnEntry() throws IOException {
    ManifestCache cache = new ManifestCache(state);
    ManifestCache.Sums small = cache.sums(file, attrs(file), CHUNK);
    ManifestCache.Sums large = cache.sums(file, attrs(file), 4 * CHUNK);
    assertEquals(4, small.crcs().length);
    assertEquals(1, large.crcs().length);
    assertSameSums(fresh(4 * CHUNK), large);
    assertEquals(2, sumsFiles().size());
  }

  @Test
  void damagedSumsFileIsIgnoredAndReplaced() throws IOException {
    new ManifestCache(state).sums(file, attrs(file), CHUNK);
    Path stored = sumsFiles().get(0);
    rewriteBehindTheCachesBack(2);

    // a flipped CRC no longer matches the stored root
    TestFiles.corrupt(stored, Files.size(stored) - 1);
    assertSameSums(fresh(CHUNK), new ManifestCache(state).sums(file, attrs(file), CHUNK));

    // a truncated file, and one of the right length but a foreign magic
    rewriteBehindTheCachesBack(3);
    byte[] good = Files.readAllBytes(stored);
    Files.write(stored, Arrays.copyOf(good, good.length - 4));
    assertSameSums(fresh(CHUNK), new ManifestCache(state).sums(file, attrs(file), CHUNK));
    rewriteBehindTheCachesBack(4);
    TestFiles.corrupt(stored, 0);
    assertSameSums(fresh(CHUNK), new ManifestCache(state).sums(file, attrs(file), CHUNK));
    assertEquals(List.of(stored), sumsFiles(), "replaced in place, no temporary files left");
  }

  @Test
  void emptyFile() throws IOException {
    Path empty = Files.createFile(tmp.resolve("empty.bin"));
    ManifestCache.Sums s = new ManifestCache(state).sums(empty, attrs(empty), CHUNK);
    assertEquals(0, s.crcs().length);
    assertArrayEquals(RootDigest.of(0, CHUNK, new byte[0]), s.root());
    assertSameSums(s, new ManifestCache(state).sums(empty, attrs(empty), CHUNK));
  }
}
