package io.shardline.engine.integrity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RootDigest} (v6): SHA-256 over a tag, the size, the chunk size, the chunk count and the
 * top of a binary Merkle tree over the chunks' SHA-256 (node = SHA-256(0x01 || left || right), an
 * odd last node carried up, SHA-256(0x00) for no chunks).
 */
class RootDigestTest {

  /** The definition, written the plain way: a list of nodes, level by level. */
  static byte[] reference(long size, int chunkSize, byte[] hashes) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    List<byte[]> level = new ArrayList<>();
    for (int i = 0; i < hashes.length; i += 32) {
      level.add(Arrays.copyOfRange(hashes, i, i + 32));
    }
    byte[] top;
    if (level.isEmpty()) {
      top = sha.digest(new byte[] {0});
    } else {
      while (level.size() > 1) {
        List<byte[]> up = new ArrayList<>();
        for (int i = 0; i + 1 < level.size(); i += 2) {
          sha.update((byte) 1);
          sha.update(level.get(i));
          up.add(sha.digest(level.get(i + 1)));
        }
        if (level.size() % 2 == 1) {
          up.add(level.get(level.size() - 1));
        }
        level = up;
      }
      top = level.get(0);
    }
    byte[] tag = "shardline-root-v2".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(tag.length + 16 + 32).put(tag).putLong(size).putInt(chunkSize)
        .putInt(hashes.length / 32).put(top);
    return sha.digest(b.array());
  }

  static byte[] hashes(int n) {
    byte[] h = new byte[n * 32];
    new SplittableRandom(n).nextBytes(h);
    return h;
  }

  static byte[] leaves(int n) {
    byte[] h = new byte[n * 32];
    for (int i = 0; i < n; i++) {
      System.arraycopy(Sha256.of(new byte[] {(byte) i}, 0, 1), 0, h, i * 32, 32);
    }
    return h;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 7, 8, 9, 1023, 1024, 1025})
  void matchesTheDefinitionForEveryTreeShape(int n) throws Exception {
    byte[] h = hashes(n);
    long size = (long) n * 4096 - (n > 0 ? 1 : 0);
    assertArrayEquals(reference(size, 4096, h), RootDigest.of(size, 4096, h));
  }

  @Test
  void knownAnswers() {
    // computed independently (Python hashlib) from the definition in the class Javadoc;
    // the leaves are SHA-256 of the single bytes 0, 1, 2, ...
    assertEquals("cc02ce30dddba9c1ba62414180ec7a51cc36b5ce332550a965f1ccb244e848f2",
        RootDigest.hex(RootDigest.of(0, 4096, new byte[0])));
    assertEquals("a6c619acee7d0de5a15e2f867256c74d659742ecc966467331892b1bab9259c3",
        RootDigest.hex(RootDigest.of(10_000, 4096, leaves(3))));
    assertEquals("3cca77892fff2dca4a79ba9abc34fe5b29a35228a8c6a43ffa86acf7f4001545",
        RootDigest.hex(RootDigest.of(5 * 4096, 4096, leaves(5))));
  }

  @Test
  void everyInputMatters() {
    byte[] h = hashes(3);
    byte[] base = RootDigest.of(10_000, 4096, h);
    assertEquals(RootDigest.BYTES, base.length);
    assertFalse(Arrays.equals(base, RootDigest.of(10_001, 4096, h)), "size");
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 8192, h)), "chunk size");
    byte[] changed = h.clone();
    changed[70] ^= 1;
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 4096, changed)), "a hash bit");
    byte[] swapped = new byte[96];
    System.arraycopy(h, 32, swapped, 0, 32);
    System.arraycopy(h, 0, swapped, 32, 32);
    System.arraycopy(h, 64, swapped, 64, 32);
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 4096, swapped)), "chunk order");
    assertFalse(Arrays.equals(base, RootDigest.of(10_000, 4096, Arrays.copyOf(h, 64))), "chunk count");
    assertArrayEquals(base, RootDigest.of(10_000, 4096, h.clone()), "deterministic");
  }

  @Test
  void aSingleChunkIsNotItsOwnRoot() {
    // the tag, size and count are always hashed over the tree: one chunk's hash is never a root
    byte[] h = hashes(1);
    assertFalse(Arrays.equals(h, RootDigest.of(4096, 4096, h)));
  }

  @Test
  void hashesMustBeWhole() {
    assertThrows(IllegalArgumentException.class, () -> RootDigest.of(10, 4096, new byte[31]));
  }

  @Test
  void hexIsLowercaseAndFull() {
    byte[] d = new byte[RootDigest.BYTES];
    d[0] = (byte) 0xAB;
    d[31] = 0x0F;
    assertEquals("ab" + "00".repeat(30) + "0f", RootDigest.hex(d));
  }
}
