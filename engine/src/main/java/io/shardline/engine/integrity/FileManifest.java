package io.shardline.engine.integrity;

import java.util.Arrays;

/**
 * What a source says about one file: its size, its chunking, the CRC32C of every chunk and the
 * root digest over them ({@link RootDigest}). {@code path} is relative to the server root;
 * {@code name} is relative to the path that was listed (where the client places the file).
 */
public record FileManifest(String path, String name, long size, long mtimeMillis, int chunkSize,
    int[] chunkCrcs, byte[] root) {

  public FileManifest {
    if (size < 0 || chunkSize <= 0) {
      throw new IllegalArgumentException("size " + size + " chunk " + chunkSize);
    }
    if (chunkCrcs.length != chunkCount(size, chunkSize)) {
      throw new IllegalArgumentException(chunkCrcs.length + " crcs for " + chunkCount(size, chunkSize) + " chunks");
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

  /** Root digest as lowercase hex. */
  public String rootHex() {
    return RootDigest.hex(root);
  }

  /** The same file placed under another name. */
  public FileManifest withName(String newName) {
    return new FileManifest(path, newName, size, mtimeMillis, chunkSize, chunkCrcs, root);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileManifest m && m.path.equals(path) && m.name.equals(name)
        && m.size == size && m.mtimeMillis == mtimeMillis && m.chunkSize == chunkSize
        && Arrays.equals(m.chunkCrcs, chunkCrcs) && Arrays.equals(m.root, root);
  }

  @Override
  public int hashCode() {
    return path.hashCode() * 31 + Arrays.hashCode(root);
  }

  @Override
  public String toString() {
    return "FileManifest[" + path + " -> " + name + ", " + size + " B, " + chunkCount() + " chunks, root " + rootHex().substring(0, 12) + "]";
  }
}
