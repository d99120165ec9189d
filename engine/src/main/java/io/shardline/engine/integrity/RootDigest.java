package io.shardline.engine.integrity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A file's end-to-end digest (protocol v6): a Merkle root over the SHA-256 of every chunk.
 *
 * <pre>
 *   leaf(i)   = SHA-256 of chunk i's bytes                         (the manifest's chunk hash)
 *   node(l,r) = SHA-256(0x01 || l || r); an odd last node is carried up as it is
 *   tree      = the one node left, or SHA-256(0x00) for a file without chunks
 *   root      = SHA-256("shardline-root-v2" || size u64 || chunk size u32 || chunks u32 || tree)
 * </pre>
 *
 * Chunks are checked one by one as they arrive, out of order, against the manifest's CRC32C and
 * SHA-256; before a file is published the root is recomputed from the SHA-256 of the bytes
 * actually written and compared, so a published file's digest is cryptographic. (Until v5 the root
 * was SHA-256 over the chunk CRCs.)
 */
public final class RootDigest {
  public static final int BYTES = 32;
  private static final byte[] TAG = "shardline-root-v2".getBytes(StandardCharsets.US_ASCII);

  private RootDigest() {}

  /** The root of a file of {@code size} bytes in chunks of {@code chunkSize} whose SHA-256s are {@code hashes} (32 bytes each, in order). */
  public static byte[] of(long size, int chunkSize, byte[] hashes) {
    if (hashes.length % Sha256.BYTES != 0) {
      throw new IllegalArgumentException(hashes.length + " bytes of chunk hashes");
    }
    int n = hashes.length / Sha256.BYTES;
    MessageDigest sha = sha256();
    sha.update(TAG);
    sha.update(ByteBuffer.allocate(16).putLong(size).putInt(chunkSize).putInt(n).array());
    sha.update(tree(hashes, n));
    return sha.digest();
  }

  /** The tree's top node over {@code n} leaves. */
  static byte[] tree(byte[] leaves, int n) {
    MessageDigest sha = sha256();
    if (n == 0) {
      return sha.digest(new byte[] {0});
    }
    byte[] level = leaves.clone();
    int count = n;
    while (count > 1) {
      int up = (count + 1) / 2;
      byte[] next = new byte[up * BYTES];
      for (int i = 0; i < count / 2; i++) {
        sha.update((byte) 1);
        sha.update(level, 2 * i * BYTES, 2 * BYTES);
        try {
          sha.digest(next, i * BYTES, BYTES);
        } catch (java.security.DigestException e) {
          throw new IllegalStateException(e);
        }
      }
      if (count % 2 == 1) {
        System.arraycopy(level, (count - 1) * BYTES, next, (up - 1) * BYTES, BYTES);
      }
      level = next;
      count = up;
    }
    return java.util.Arrays.copyOf(level, BYTES);
  }

  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  static MessageDigest sha256() {
    return Sha256.jdkDigest();
  }
}
