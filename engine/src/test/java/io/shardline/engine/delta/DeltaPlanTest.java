package io.shardline.engine.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.delta.DeltaPlan.Local;
import io.shardline.engine.delta.DeltaPlan.Piece;
import io.shardline.engine.delta.DeltaPlan.Remote;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plan of one chunk, on hand-made segment lists: a segment is named by its hash, so
 * {@code seg(start, len, 'a', ...)} lists segments back to back whose hashes are letters.
 */
class DeltaPlanTest {
  /** Segments back to back from {@code start}: {@code lengthsAndNames} as (length, name) pairs. */
  private static SegmentIndex seg(long start, Object... lengthsAndNames) {
    SegmentIndex.Builder b = new SegmentIndex.Builder(start);
    for (int i = 0; i < lengthsAndNames.length; i += 2) {
      b.add((Integer) lengthsAndNames[i], (Character) lengthsAndNames[i + 1]);
    }
    return b.build();
  }

  @Test
  void aChunkTheBaseHoldsIsOneCopy() {
    SegmentIndex remote = seg(0, 100, 'a', 200, 'b', 300, 'c');
    SegmentIndex base = seg(0, 50, 'x', 100, 'a', 200, 'b', 300, 'c');
    DeltaPlan p = DeltaPlan.of(remote, 0, 600, base);
    assertEquals(List.of(new Local(0, 50, 600)), p.pieces());
    assertEquals(600, p.localBytes());
    assertEquals(0, p.remoteBytes());
    assertEquals(0, p.remoteRanges());
  }

  @Test
  void nothingInTheBaseIsOneFetch() {
    DeltaPlan p = DeltaPlan.of(seg(0, 100, 'a', 200, 'b'), 0, 300, seg(0, 100, 'z'));
    assertEquals(List.of(new Remote(0, 300)), p.pieces());
    assertEquals(300, p.remoteBytes());
    assertEquals(1, p.remoteRanges());
  }

  @Test
  void copiesFromPlacesApartInTheBaseStayApart() {
    SegmentIndex remote = seg(0, 100, 'a', 100, 'b');
    SegmentIndex base = seg(0, 100, 'b', 100, 'a');
    assertEquals(List.of(new Local(0, 100, 100), new Local(100, 0, 100)), DeltaPlan.of(remote, 0, 200, base).pieces());
  }

  @Test
  void segmentsAreClippedToTheChunk() {
    // a chunk [1000, 2000) over segments [900, 1300) 'a', [1300, 1500) 'b', [1500, 2400) 'c'
    SegmentIndex remote = seg(900, 400, 'a', 200, 'b', 900, 'c');
    SegmentIndex base = seg(0, 400, 'a', 5000, 'q', 900, 'c');
    DeltaPlan p = DeltaPlan.of(remote, 1000, 1000, base, 0);
    assertEquals(List.of(new Local(1000, 100, 300), new Remote(1300, 200), new Local(1500, 5400, 500)), p.pieces());
    assertEquals(800, p.localBytes());
    assertEquals(200, p.remoteBytes());
    assertEquals(1000, p.offset());
    assertEquals(1000, p.length());
  }

  @Test
  void whatTheSegmentsDoNotCoverIsFetched() {
    // the server sent segments for [1200, 1500) only
    SegmentIndex remote = seg(1200, 300, 'a');
    SegmentIndex base = seg(0, 300, 'a');
    DeltaPlan p = DeltaPlan.of(remote, 1000, 1000, base, 0);
    assertEquals(List.of(new Remote(1000, 200), new Local(1200, 0, 300), new Remote(1500, 500)), p.pieces());
    assertEquals(List.of(new Remote(0, 10)), DeltaPlan.of(seg(0), 0, 10, base).pieces());
    assertEquals(List.of(), DeltaPlan.of(remote, 1000, 0, base).pieces());
  }

  @Test
  void aShortMatchBetweenFetchesIsFetchedWithThem() {
    SegmentIndex remote = seg(0, 10_000, 'a', 1000, 'b', 10_000, 'c');
    SegmentIndex base = seg(0, 1000, 'b');
    List<Piece> merged = List.of(new Remote(0, 21_000));
    List<Piece> apart = List.of(new Remote(0, 10_000), new Local(10_000, 0, 1000), new Remote(11_000, 10_000));
    assertEquals(merged, DeltaPlan.of(remote, 0, 21_000, base).pieces());
    assertEquals(apart, DeltaPlan.of(remote, 0, 21_000, base, 1000).pieces(), "a match of exactly the gap stays");
    assertEquals(apart, DeltaPlan.of(remote, 0, 21_000, base, 0).pieces());
    DeltaPlan p = DeltaPlan.of(remote, 0, 21_000, base);
    assertEquals(21_000, p.remoteBytes());
    assertEquals(1, p.remoteRanges());
  }

  @Test
  void severalShortMatchesCountTogether() {
    // 'b' and 'd' are 1500 bytes each, apart in the base: 3000 in all between two fetches
    SegmentIndex remote = seg(0, 5000, 'a', 1500, 'b', 1500, 'd', 5000, 'c');
    SegmentIndex base = seg(0, 1500, 'd', 7, 'z', 1500, 'b');
    assertEquals(List.of(new Remote(0, 13_000)), DeltaPlan.of(remote, 0, 13_000, base, 4096).pieces());
    assertEquals(4, DeltaPlan.of(remote, 0, 13_000, base, 3000).pieces().size());
  }

  @Test
  void aShortMatchAtAnEdgeIsKept() {
    SegmentIndex remote = seg(0, 100, 'b', 10_000, 'a');
    SegmentIndex base = seg(0, 100, 'b');
    assertEquals(List.of(new Local(0, 0, 100), new Remote(100, 10_000)), DeltaPlan.of(remote, 0, 10_100, base).pieces());
  }

  @Test
  void badArgumentsAreRefused() {
    SegmentIndex s = seg(0, 10, 'a');
    assertThrows(IllegalArgumentException.class, () -> DeltaPlan.of(s, -1, 10, s));
    assertThrows(IllegalArgumentException.class, () -> DeltaPlan.of(s, 0, -1, s));
    assertThrows(IllegalArgumentException.class, () -> DeltaPlan.of(s, 0, 10, s, -1));
  }
}
