package io.shardline.engine.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file's segments: the same from bytes, from a channel and from any split; compact lookups and ranges. */
class SegmentIndexTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void segmentsLieBackToBackWithTheirHashes() {
    byte[] b = DeltaData.mixed(5 * MIB + 17, 1);
    SegmentIndex index = SegmentIndex.of(b);
    assertEquals(0, index.start());
    assertEquals(b.length, index.end());
    long pos = 0;
    for (int i = 0; i < index.size(); i++) {
      assertEquals(pos, index.offset(i));
      assertEquals(SegmentHash.of(b, (int) pos, index.length(i)), index.hash(i));
      pos += index.length(i);
    }
    assertEquals(b.length, pos);
  }

  @Test
  void aFileChannelGivesTheSameSegmentsAsTheBytes() throws IOException {
    byte[] b = DeltaData.mixed(11 * MIB + 3, 2);
    Path f = Files.write(dir.resolve("f"), b);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      assertEquals(SegmentIndex.of(b), SegmentIndex.of(ch, 0, b.length));
      // a range from an offset: the segments of those bytes alone, at their file offsets
      int from = 3 * MIB + 5;
      int len = 6 * MIB;
      SegmentIndex part = SegmentIndex.of(ch, from, len, new GearChunker());
      assertEquals(SegmentIndex.of(b, from, len, from, new GearChunker()), part);
      assertEquals(from, part.start());
      assertEquals(from + len, part.end());
      IOException e = assertThrows(IOException.class, () -> SegmentIndex.of(ch, b.length - 10, 20));
      assertTrue(e.getMessage().contains("file ended"), e.getMessage());
    }
  }

  @Test
  void heapAndDirectBuffersOfRandomSizesGiveTheSameSegments() {
    byte[] b = DeltaData.mixed(7 * MIB, 3);
    SegmentIndex whole = SegmentIndex.of(b);
    for (long seed = 0; seed < 4; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      Segmenter s = new Segmenter(new GearChunker(), 0);
      int pos = 0;
      while (pos < b.length) {
        int n = Math.min(b.length - pos, 1 + r.nextInt(seed < 2 ? 5000 : 3 * MIB));
        ByteBuffer buf = r.nextBoolean() ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n + 7).position(7).slice();
        buf.put(b, pos, n).flip();
        if (r.nextInt(4) == 0) {
          s.update(b, pos, n);
        } else {
          s.update(buf);
          assertEquals(0, buf.remaining());
        }
        pos += n;
      }
      assertEquals(whole, s.finish(), "seed " + seed);
    }
  }

  @Test
  void findGivesWhereTheBytesLieHere() {
    byte[] b = DeltaData.random(4 * MIB, 4);
    SegmentIndex index = SegmentIndex.of(b);
    for (int i = 0; i < index.size(); i++) {
      assertEquals(i, index.find(index.hash(i), index.length(i)));
      assertEquals(index.offset(i), index.offsetOf(index.hash(i), index.length(i)));
      assertEquals(-1, index.find(index.hash(i), index.length(i) + 1), "another length never matches");
    }
    assertEquals(-1, index.find(12345, 65536));
    assertEquals(-1, index.offsetOf(12345, 65536));
    assertEquals(-1, SegmentIndex.of(new byte[0]).find(0, 0));
  }

  @Test
  void repeatedContentFindsItsFirstCopy() {
    byte[] block = DeltaData.random(512 * 1024, 5);
    byte[] b = new byte[3 * block.length];
    for (int k = 0; k < 3; k++) {
      System.arraycopy(block, 0, b, k * block.length, block.length);
    }
    SegmentIndex index = SegmentIndex.of(b);
    for (int i = 0; i < index.size(); i++) {
      int j = index.find(index.hash(i), index.length(i));
      assertTrue(j <= i && index.hash(j) == index.hash(i));
    }
  }

  @Test
  void coveringGivesTheWholeSegmentsThatOverlapARange() {
    byte[] b = DeltaData.random(8 * MIB, 6);
    SegmentIndex index = SegmentIndex.of(b);
    long from = 4 * MIB;
    long to = 8 * MIB - 1000;
    SegmentIndex c = index.covering(from, to);
    assertTrue(c.start() <= from && c.end() >= to);
    assertTrue(c.offset(0) + c.length(0) > from, "first segment overlaps");
    assertTrue(c.offset(c.size() - 1) < to, "last segment overlaps");
    int first = index.firstEndingAfter(from);
    for (int i = 0; i < c.size(); i++) {
      assertEquals(index.offset(first + i), c.offset(i));
      assertEquals(index.hash(first + i), c.hash(i));
    }
    assertEquals(index, index.covering(0, b.length));
    assertEquals(0, index.covering(b.length, b.length + 10).size());
    assertEquals(0, index.covering(100, 100).size());
    assertThrows(IllegalArgumentException.class, () -> index.covering(10, 5));
  }

  @Test
  void emptyInputHasNoSegments() {
    SegmentIndex empty = SegmentIndex.of(new byte[0]);
    assertEquals(0, empty.size());
    assertEquals(0, empty.end());
    Segmenter s = new Segmenter(new GearChunker(), 0);
    s.finish();
    assertThrows(IllegalStateException.class, s::finish);
    assertThrows(IllegalStateException.class, () -> s.update(new byte[1], 0, 1));
  }
}
