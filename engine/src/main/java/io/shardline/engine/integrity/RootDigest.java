package io.shardline.engine.integrity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file's end-to-end digest: SHA-256 over a domain tag, the file size, the chunk size and the
 * CRC32C of every chunk in order (a one-level hash tree over the chunk checksums). Chunks can be
 * checked one by one as they arrive, out of order, against the manifest's CRCs; before a file is
 * published the root is recomputed from the CRCs of the bytes actually written and compared.
 */
public final class RootDigest {
  public static final int BYTES = 32;
  private static final byte[] TAG = "shardline-root-v1".getBytes(StandardCharsets.US_ASCII);

  private RootDigest() {}

  public static byte[] of(long size, int chunkSize, int[] chunkCrcs) {
    MessageDigest sha = sha256();
    sha.update(TAG);
    ByteBuffer head = ByteBuffer.allocate(12).putLong(size).putInt(chunkSize);
    sha.update(head.array());
    ByteBuffer crcs = ByteBuffer.allocate(4 * 1024);
    for (int i = 0; i < chunkCrcs.length; i++) {
      if (!crcs.hasRemaining()) {
        sha.update(crcs.array(), 0, crcs.position());
        crcs.clear();
      }
      crcs.putInt(chunkCrcs[i]);
    }
    sha.update(crcs.array(), 0, crcs.position());
    return sha.digest();
  }

  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
