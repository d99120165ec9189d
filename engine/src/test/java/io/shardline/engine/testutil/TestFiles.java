package io.shardline.engine.testutil;

import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.Sha256;
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
    ChunkSums.Computed c = ChunkSums.compute(file, size, chunkSize);
    return FileManifest.of(name, name, size, Files.getLastModifiedTime(file).toMillis(), chunkSize, c.crcs(),
        c.hashes());
  }

  /** The manifest of {@code data} (modification time 0): every chunk's CRC32C and SHA-256. */
  public static FileManifest manifest(String path, String name, byte[] data, int chunkSize) {
    int[] crcs = new int[FileManifest.chunkCount(data.length, chunkSize)];
    for (int i = 0; i < crcs.length; i++) {
      int off = i * chunkSize;
      crcs[i] = Crc32c.of(data, off, Math.min(chunkSize, data.length - off));
    }
    return FileManifest.of(path, name, data.length, 0, chunkSize, crcs, hashes(data, chunkSize));
  }

  /** The SHA-256 of every chunk of {@code data}, 32 bytes each. */
  public static byte[] hashes(byte[] data, int chunkSize) {
    int n = FileManifest.chunkCount(data.length, chunkSize);
    byte[] h = new byte[n * Sha256.BYTES];
    for (int i = 0; i < n; i++) {
      int off = i * chunkSize;
      System.arraycopy(Sha256.of(data, off, Math.min(chunkSize, data.length - off)), 0, h, i * Sha256.BYTES,
          Sha256.BYTES);
    }
    return h;
  }

  /** Seeded stand-ins for chunk hashes (tests of shapes, not of bytes). */
  public static byte[] fakeHashes(int chunks, long seed) {
    byte[] h = new byte[chunks * Sha256.BYTES];
    new SplittableRandom(seed).nextBytes(h);
    return h;
  }

  /** Flips every bit of the byte at {@code offset}. */
  public static void corrupt(Path file, long offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[Math.toIntExact(offset)] ^= (byte) 0xFF;
    Files.write(file, b);
  }

  /** Streams {@code size} seeded random bytes into {@code p} (creating parents), 1 MiB at a time. */
  public static Path random(Path p, long size, long seed) throws IOException {
    Files.createDirectories(p.toAbsolutePath().getParent());
    SplittableRandom r = new SplittableRandom(seed);
    byte[] buf = new byte[(int) Math.min(size, 1 << 20)];
    try (var out = Files.newOutputStream(p)) {
      long left = size;
      while (left > 0) {
        int n = (int) Math.min(buf.length, left);
        for (int i = 0; i < n; i += 8) {
          long v = r.nextLong();
          for (int k = 0; k < 8 && i + k < n; k++) {
            buf[i + k] = (byte) (v >>> (8 * k));
          }
        }
        out.write(buf, 0, n);
        left -= n;
      }
    }
    return p;
  }

  /** Writes {@code size} seeded random bytes to {@code out} and returns their SHA-256 (for files too big to hold). */
  public static byte[] generate(java.io.OutputStream out, long size, long seed) throws Exception {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    byte[] block = new byte[1 << 20];
    for (long left = size; left > 0; ) {
      int n = (int) Math.min(block.length, left);
      rnd.nextBytes(block);
      out.write(block, 0, n);
      sha.update(block, 0, n);
      left -= n;
    }
    return sha.digest();
  }

  /** The SHA-256 of everything {@code in} still holds. */
  public static byte[] sha256(java.io.InputStream in) throws Exception {
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    byte[] block = new byte[1 << 20];
    for (int n; (n = in.read(block)) > 0; ) {
      sha.update(block, 0, n);
    }
    return sha.digest();
  }
}
