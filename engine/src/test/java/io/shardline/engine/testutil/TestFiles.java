package io.shardline.engine.testutil;

import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Seeded file contents and manifests built from real files, for storage and integrity tests. */
public final class TestFiles {
  private TestFiles() {}

  /** {@code n} bytes drawn from {@code seed}. */
  public static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Writes {@code n} seeded bytes to {@code file} (creating parents) and returns them. */
  public static byte[] write(Path file, int n, long seed) throws IOException {
    byte[] b = bytes(n, seed);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, b);
    return b;
  }

  /** The manifest a server would send for {@code file}: sums from {@link ChunkSums#compute}. */
  public static FileManifest manifest(Path file, String name, int chunkSize) throws IOException {
    long size = Files.size(file);
    int[] crcs = ChunkSums.compute(file, size, chunkSize);
    return new FileManifest(name, name, size, Files.getLastModifiedTime(file).toMillis(), chunkSize, crcs,
        RootDigest.of(size, chunkSize, crcs));
  }

  /** Flips every bit of the byte at {@code offset}. */
  public static void corrupt(Path file, long offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[Math.toIntExact(offset)] ^= (byte) 0xFF;
    Files.write(file, b);
  }
}
