package io.shardline.engine.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.delta.DeltaPlan.Local;
import io.shardline.engine.delta.DeltaPlan.Piece;
import java.util.Arrays;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Delta sync end to end on bytes: a file edited at random (inserts, deletes, overwrites, single
 * bytes), every 4 MiB chunk of the new version planned against the old version's index (the
 * chunk's segments through the wire codec, as a server would send them), and assembled from the
 * old bytes and the new bytes of its Remote pieces: always byte-identical to the new file, and
 * small edits fetch little.
 */
class DeltaPlanPropertyTest {
  private static final int MIB = 1 << 20;
  private static final int CHUNK = 4 * MIB;
  private static final int MAX_SEGMENT = GearChunker.DEFAULT_MAX;

  /** An edited copy and how many bytes the edits wrote or moved. */
  private record Edited(byte[] bytes, long written, int edits) {}

  @Test
  void randomEditsReassembleByteIdenticalAndFetchLittle() {
    for (long seed = 1; seed <= 10; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      byte[] old = DeltaData.mixed(16 * MIB + r.nextInt(16 * MIB), seed);
      Edited edited = edit(old, r);
      long remote = assembleAndCheck(old, edited.bytes(), "seed " + seed);
      // each edit disturbs the segment it lands in and its neighbours (at most max each), plus what it wrote
      long bound = edited.written() + (long) edited.edits() * 3 * MAX_SEGMENT;
      assertTrue(remote <= bound, "seed " + seed + ": " + remote + " bytes remote, bound " + bound);
    }
  }

  @Test
  void aHeaderGrownBy100BytesFetchesOnlyTheStart() {
    byte[] old = DeltaData.mixed(24 * MIB, 21);
    byte[] grown = DeltaData.insert(old, 8 + 200, DeltaData.random(100, 22));
    long remote = assembleAndCheck(old, grown, "header");
    assertTrue(remote <= 2 * MAX_SEGMENT, remote + " bytes remote");
  }

  @Test
  void aOneByteChangeFetchesAtMostTwoSegments() {
    byte[] old = DeltaData.random(24 * MIB, 23);
    SplittableRandom r = new SplittableRandom(24);
    for (int k = 0; k < 5; k++) {
      byte[] changed = old.clone();
      changed[r.nextInt(changed.length)] ^= 0x5A;
      long remote = assembleAndCheck(old, changed, "byte " + k);
      assertTrue(remote > 0 && remote <= 2 * MAX_SEGMENT, remote + " bytes remote");
    }
  }

  @Test
  void anUnrelatedBaseFetchesEverything() {
    byte[] old = DeltaData.random(9 * MIB, 25);
    byte[] other = DeltaData.random(9 * MIB, 26);
    assertEquals(other.length, assembleAndCheck(old, other, "unrelated"));
  }

  /** Plans and assembles every chunk of {@code now} against {@code base}; the bytes fetched. */
  private static long assembleAndCheck(byte[] base, byte[] now, String what) {
    SegmentIndex baseIndex = SegmentIndex.of(base);
    SegmentIndex served = SegmentIndex.of(now);
    long remote = 0;
    for (long off = 0; off < now.length; off += CHUNK) {
      int len = (int) Math.min(CHUNK, now.length - off);
      SegmentIndex sent = SegmentCodec.decode(ByteBuffer.wrap(SegmentCodec.encode(served.covering(off, off + len))));
      DeltaPlan plan = DeltaPlan.of(sent, off, len, baseIndex);
      byte[] chunk = new byte[len];
      long at = off;
      for (Piece p : plan.pieces()) {
        assertEquals(at, p.offset(), what + ": pieces back to back");
        if (p instanceof Local l) {
          System.arraycopy(base, (int) l.baseOffset(), chunk, (int) (at - off), l.length());
        } else {
          System.arraycopy(now, (int) at, chunk, (int) (at - off), p.length());
        }
        at += p.length();
      }
      assertEquals(off + len, at, what + ": pieces cover the chunk");
      assertArrayEquals(Arrays.copyOfRange(now, (int) off, (int) off + len), chunk, what + ": chunk at " + off);
      assertEquals(len, plan.localBytes() + plan.remoteBytes());
      remote += plan.remoteBytes();
    }
    return remote;
  }

  /** 1-8 random edits of {@code b}. */
  private static Edited edit(byte[] b, SplittableRandom r) {
    int edits = 1 + r.nextInt(8);
    long written = 0;
    for (int e = 0; e < edits; e++) {
      int at = r.nextInt(b.length);
      int len = 1 + r.nextInt(64 * 1024);
      switch (r.nextInt(4)) {
        case 0 -> {
          b = DeltaData.insert(b, at, DeltaData.random(len, r.nextLong()));
          written += len;
        }
        case 1 -> {
          int n = Math.min(len, b.length - at);
          ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
          out.write(b, 0, at);
          out.write(b, at + n, b.length - at - n);
          b = out.toByteArray();
        }
        case 2 -> {
          b = b.clone();
          int n = Math.min(len, b.length - at);
          System.arraycopy(DeltaData.random(n, r.nextLong()), 0, b, at, n);
          written += n;
        }
        default -> {
          b = b.clone();
          b[at] ^= (byte) (1 + r.nextInt(255));
          written += 1;
        }
      }
    }
    return new Edited(b, written, edits);
  }
}
