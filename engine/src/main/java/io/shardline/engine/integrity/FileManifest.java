package io.shardline.engine.integrity;

import java.util.Arrays;

/**
 * What a source says about one file: its size, its chunking, the CRC32C and the SHA-256 of every
 * chunk (v6: {@code chunkHashes}, 32 bytes a chunk, in order) and the root digest over the hashes
 * ({@link RootDigest}). The CRC checks a chunk on the wire and on every read; the SHA-256 is the
 * chunk's identity, what a reuse of local bytes (delta) and the root rest on. {@code path} is relative to the server root;
 * {@code name} is relative to the path that was listed (where the client places the file).
 *
 * <p>A {@linkplain #streamed() streamed} manifest (protocol v4) is a file the server had not summed
 * yet when it was listed: size, modification time and chunking only, its CRCs, hashes and root unknown
 * (zeros) until the complete manifest is fetched after the chunks. Nothing may be checked against
 * its CRCs or root; see {@link #streamed(String, String, long, long, int)}.
 */
public record FileManifest(String path, String name, long size, long mtimeMillis, int chunkSize,
    int[] chunkCrcs, byte[] chunkHashes, byte[] root, boolean streamed) {

  /** A complete manifest: every chunk's CRC and SHA-256, and the root over the hashes. */
  public FileManifest(String path, String name, long size, long mtimeMillis, int chunkSize, int[] chunkCrcs,
      byte[] chunkHashes, byte[] root) {
    this(path, name, size, mtimeMillis, chunkSize, chunkCrcs, chunkHashes, root, false);
  }

  /** A complete manifest whose root is computed from {@code chunkHashes}. */
  public static FileManifest of(String path, String name, long size, long mtimeMillis, int chunkSize,
      int[] chunkCrcs, byte[] chunkHashes) {
    return new FileManifest(path, name, size, mtimeMillis, chunkSize, chunkCrcs, chunkHashes,
        RootDigest.of(size, chunkSize, chunkHashes));
  }

  /** A file listed before its sums were known: CRCs and root follow in its complete manifest. */
  public static FileManifest streamed(String path, String name, long size, long mtimeMillis, int chunkSize) {
    int n = chunkCount(size, chunkSize);
    return new FileManifest(path, name, size, mtimeMillis, chunkSize, new int[n], new byte[n * Sha256.BYTES],
        new byte[RootDigest.BYTES], true);
  }

  /**
   * Whether {@code full} is this streamed listing's complete manifest: the same file (path), at the
   * same version (size, modification time) and chunking.
   */
  public boolean sameVersion(FileManifest full) {
    return full.path.equals(path) && full.size == size && full.mtimeMillis == mtimeMillis
        && full.chunkSize == chunkSize;
  }

  /**
   * This file version as GET, GET_RANGE and SEGMENTS name it (v7): its size and modification time
   * mixed into 64 bits, never 0 (0 on the wire: whatever version the server listed last). A
   * server keeps serving the version a client listed after the file was replaced (a push, any
   * atomic rename), as long as it holds that version open.
   */
  public long versionTag() {
    long h = size * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(mtimeMillis, 29);
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    return h == 0 ? 1 : h;
  }

  public FileManifest {
    if (size < 0 || chunkSize <= 0) {
      throw new IllegalArgumentException("size " + size + " chunk " + chunkSize);
    }
    if (chunkCrcs.length != chunkCount(size, chunkSize)) {
      throw new IllegalArgumentException(chunkCrcs.length + " crcs for " + chunkCount(size, chunkSize) + " chunks");
    }
    if (chunkHashes.length != (long) chunkCrcs.length * Sha256.BYTES) {
      throw new IllegalArgumentException(chunkHashes.length + " bytes of hashes for " + chunkCrcs.length + " chunks");
    }
    if (root.length != RootDigest.BYTES) {
      throw new IllegalArgumentException("root of " + root.length + " bytes");
    }
  }

  public static int chunkCount(long size, int chunkSize) {
    long n = (size + chunkSize - 1) / chunkSize;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many chunks: " + n);
    }
    return (int) n;
  }

  public int chunkCount() {
    return chunkCrcs.length;
  }

  public long chunkOffset(int index) {
    return (long) index * chunkSize;
  }

  public int chunkLength(int index) {
    return (int) Math.min(chunkSize, size - chunkOffset(index));
  }

  /** A copy of chunk {@code index}'s SHA-256. */
  public byte[] chunkHash(int index) {
    return Arrays.copyOfRange(chunkHashes, index * Sha256.BYTES, (index + 1) * Sha256.BYTES);
  }

  /** Whether {@code hash} is chunk {@code index}'s SHA-256 (never for a streamed manifest). */
  public boolean hashMatches(int index, byte[] hash) {
    return !streamed && Arrays.equals(chunkHashes, index * Sha256.BYTES, (index + 1) * Sha256.BYTES, hash, 0, hash.length);
  }

  /** Root digest as lowercase hex. */
  public String rootHex() {
    return RootDigest.hex(root);
  }

  /** The same file placed under another name. */
  public FileManifest withName(String newName) {
    return new FileManifest(path, newName, size, mtimeMillis, chunkSize, chunkCrcs, chunkHashes, root, streamed);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileManifest m && m.path.equals(path) && m.name.equals(name)
        && m.size == size && m.mtimeMillis == mtimeMillis && m.chunkSize == chunkSize
        && Arrays.equals(m.chunkCrcs, chunkCrcs) && Arrays.equals(m.chunkHashes, chunkHashes) && Arrays.equals(m.root, root) && m.streamed == streamed;
  }

  @Override
  public int hashCode() {
    return path.hashCode() * 31 + Arrays.hashCode(root);
  }

  @Override
  public String toString() {
    return "FileManifest[" + path + " -> " + name + ", " + size + " B, " + chunkCount() + " chunks, "
        + (streamed ? "streamed" : "root " + rootHex().substring(0, 12)) + "]";
  }
}
