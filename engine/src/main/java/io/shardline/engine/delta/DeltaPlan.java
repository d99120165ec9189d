package io.shardline.engine.delta;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How to assemble one chunk of a new file from a local base file and the remote: the chunk as
 * ordered, back-to-back pieces, each a copy from the base ({@link Local}) or a byte range to fetch
 * ({@link Remote}). A pure function of the new file's segments (the server's), the chunk's range
 * and the base's {@link SegmentIndex}. A segment whose (hash, length) the base holds becomes a
 * copy; the rest, and any part of the chunk the segments do not cover, is fetched. Segments that
 * start before the chunk or end after it (CDC boundaries do not align with chunks) are clipped.
 *
 * <p>Neighbours are merged: two Remote pieces become one range, two Local pieces contiguous in the
 * base one copy. And Remote ranges separated only by local matches shorter than {@code mergeGap}
 * bytes in all are fetched as one range ({@link #DEFAULT_MERGE_GAP}): a request costs more than a
 * few KiB. A wrong match (a hash collision) only yields a chunk that fails its CRC32C and SHA-256
 * checks and is fetched whole: never wrong bytes.
 */
public final class DeltaPlan {
  /** Local matches shorter than this between two fetched ranges are fetched too (4 KiB). */
  public static final int DEFAULT_MERGE_GAP = 4096;

  /** One piece of a chunk: {@code length} bytes at {@code offset} of the new file. */
  public sealed interface Piece permits Local, Remote {
    long offset();

    int length();
  }

  /** Copy {@code length} bytes from {@code baseOffset} of the base file to {@code offset} of the new one. */
  public record Local(long offset, long baseOffset, int length) implements Piece {}

  /** Fetch {@code [offset, offset+length)} of the new file. */
  public record Remote(long offset, int length) implements Piece {}

  private final long offset;
  private final int length;
  private final List<Piece> pieces;

  private DeltaPlan(long offset, int length, List<Piece> pieces) {
    this.offset = offset;
    this.length = length;
    this.pieces = Collections.unmodifiableList(pieces);
  }

  /** The plan with the default merge gap. */
  public static DeltaPlan of(SegmentIndex remote, long chunkOffset, int chunkLength, SegmentIndex base) {
    return of(remote, chunkOffset, chunkLength, base, DEFAULT_MERGE_GAP);
  }

  /**
   * The chunk {@code [chunkOffset, chunkOffset+chunkLength)} of the new file, whose segments
   * (or some of them) are {@code remote}, as pieces against {@code base}.
   *
   * @param mergeGap local matches shorter than this between two Remote pieces are fetched instead (0: never)
   */
  public static DeltaPlan of(SegmentIndex remote, long chunkOffset, int chunkLength, SegmentIndex base, int mergeGap) {
    if (chunkOffset < 0 || chunkLength < 0) {
      throw new IllegalArgumentException("bad chunk " + chunkOffset + "+" + chunkLength);
    }
    if (mergeGap < 0) {
      throw new IllegalArgumentException("negative merge gap " + mergeGap);
    }
    Pieces out = new Pieces(mergeGap);
    long pos = chunkOffset;
    long end = chunkOffset + chunkLength;
    int n = remote.size();
    for (int i = remote.firstEndingAfter(pos); pos < end; i++) {
      long segStart = i < n ? remote.offset(i) : end;
      if (segStart > pos) {
        // not covered by the segments: fetch
        long to = Math.min(segStart, end);
        out.remote(pos, (int) (to - pos));
        pos = to;
        if (pos == end) {
          break;
        }
      }
      long segEnd = Math.min(end, segStart + remote.length(i));
      int match = base.find(remote.hash(i), remote.length(i));
      if (match >= 0) {
        out.local(pos, base.offset(match) + (pos - segStart), (int) (segEnd - pos));
      } else {
        out.remote(pos, (int) (segEnd - pos));
      }
      pos = segEnd;
    }
    return new DeltaPlan(chunkOffset, chunkLength, out.list);
  }

  /** The chunk's offset in the new file. */
  public long offset() {
    return offset;
  }

  /** The chunk's length. */
  public int length() {
    return length;
  }

  /** The pieces in order, back to back from {@link #offset()} to its end. */
  public List<Piece> pieces() {
    return pieces;
  }

  /** Bytes copied from the base. */
  public long localBytes() {
    long n = 0;
    for (Piece p : pieces) {
      if (p instanceof Local) {
        n += p.length();
      }
    }
    return n;
  }

  /** Bytes to fetch. */
  public long remoteBytes() {
    return length - localBytes();
  }

  /** Byte ranges to fetch (one request each). */
  public int remoteRanges() {
    int n = 0;
    for (Piece p : pieces) {
      if (p instanceof Remote) {
        n++;
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "DeltaPlan[" + offset + "+" + length + ": local " + localBytes() + ", remote " + remoteBytes()
        + " in " + remoteRanges() + " ranges]";
  }

  /** The pieces as they are added, merged with their neighbours. */
  private static final class Pieces {
    private final int mergeGap;
    private final List<Piece> list = new ArrayList<>();

    Pieces(int mergeGap) {
      this.mergeGap = mergeGap;
    }

    void local(long at, long baseAt, int len) {
      if (len == 0) {
        return;
      }
      int last = list.size() - 1;
      if (last >= 0 && list.get(last) instanceof Local l && l.baseOffset() + l.length() == baseAt) {
        list.set(last, new Local(l.offset(), l.baseOffset(), l.length() + len));
      } else {
        list.add(new Local(at, baseAt, len));
      }
    }

    void remote(long at, int len) {
      if (len == 0) {
        return;
      }
      // the local pieces since the last Remote: fetched with it when they are short in all
      int k = list.size();
      long localRun = 0;
      while (k > 0 && list.get(k - 1) instanceof Local l) {
        localRun += l.length();
        k--;
      }
      if (k > 0 && (localRun == 0 || localRun < mergeGap)) {
        Remote r = (Remote) list.get(k - 1);
        list.subList(k - 1, list.size()).clear();
        list.add(new Remote(r.offset(), (int) (at + len - r.offset())));
      } else {
        list.add(new Remote(at, len));
      }
    }
  }
}
