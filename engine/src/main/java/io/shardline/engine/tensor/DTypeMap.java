package io.shardline.engine.tensor;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which element type each byte of a file holds: for a safetensors file, every tensor's bytes
 * have the tensor's dtype, and the header, gaps and trailing bytes are {@link DType#BYTES}; any
 * other file (GGUF, raw, a safetensors file whose header does not parse) is all BYTES.
 *
 * <p>The map is a sorted list of regions covering {@code [0, size)}; neighbouring tensors of the
 * same dtype are merged into one region (their elements are back to back, so a codec sees one
 * array). {@link #segments} cuts a chunk at region boundaries. Immutable and thread-safe.
 */
public final class DTypeMap {
  private static final Logger LOG = LoggerFactory.getLogger(DTypeMap.class);

  /** A run of bytes of one type, in file coordinates. */
  public record Region(long start, long length, DType dtype) {
    public long end() {
      return start + length;
    }
  }

  private final long size;
  private final long[] starts; // ascending; region i is [starts[i], starts[i + 1] or size)
  private final DType[] dtypes;

  private DTypeMap(long size, List<Region> regions) {
    this.size = size;
    this.starts = new long[regions.size()];
    this.dtypes = new DType[regions.size()];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = regions.get(i).start();
      dtypes[i] = regions.get(i).dtype();
    }
  }

  /** A file of {@code size} untyped bytes. */
  public static DTypeMap bytes(long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size " + size);
    }
    return new DTypeMap(size, size == 0 ? List.of() : List.of(new Region(0, size, DType.BYTES)));
  }

  /** The map of a file described by a parsed safetensors header. */
  public static DTypeMap of(SafetensorsHeader header) {
    long size = header.fileSize();
    List<Region> regions = new ArrayList<>();
    long pos = 0;
    for (SafetensorsHeader.Tensor t : header.tensors()) {
      if (t.length() == 0) {
        continue;
      }
      add(regions, pos, t.start(), DType.BYTES);
      add(regions, t.start(), t.end(), t.dtype());
      pos = t.end();
    }
    add(regions, pos, size, DType.BYTES);
    return new DTypeMap(size, regions);
  }

  /** Appends {@code [from, to)}, merging it into the last region when the type is the same. */
  private static void add(List<Region> regions, long from, long to, DType dtype) {
    if (to <= from) {
      return;
    }
    int last = regions.size() - 1;
    if (last >= 0 && regions.get(last).dtype() == dtype && regions.get(last).end() == from) {
      Region r = regions.remove(last);
      regions.add(new Region(r.start(), to - r.start(), dtype));
    } else {
      regions.add(new Region(from, to - from, dtype));
    }
  }

  /**
   * The map of {@code file}: typed if its safetensors header parses (reading 9 bytes, then the
   * header), all BYTES otherwise (the reason is logged at debug). Blocking; I/O errors propagate.
   */
  public static DTypeMap of(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return of(ch, file.toString());
    }
  }

  /**
   * The map of an open file ({@code label} names it in logs), as {@link #of(Path)}: for callers
   * that open the file themselves (the server opens only regular files, never a FIFO).
   */
  public static DTypeMap of(FileChannel ch, String label) throws IOException {
    try {
      return of(SafetensorsHeader.read(ch, label));
    } catch (TensorFormatException e) {
      LOG.debug("{} is not a safetensors file, treating it as untyped bytes: {}", label, e.getMessage());
      return bytes(ch.size());
    }
  }

  /** The file size the map covers. */
  public long size() {
    return size;
  }

  /** True if any byte has a type other than BYTES. */
  public boolean typed() {
    for (DType d : dtypes) {
      if (d != DType.BYTES) {
        return true;
      }
    }
    return false;
  }

  /** The regions, in order, covering {@code [0, size)} exactly. */
  public List<Region> regions() {
    List<Region> out = new ArrayList<>(starts.length);
    for (int i = 0; i < starts.length; i++) {
      out.add(new Region(starts[i], regionEnd(i) - starts[i], dtypes[i]));
    }
    return out;
  }

  private long regionEnd(int i) {
    return i + 1 < starts.length ? starts[i + 1] : size;
  }

  /**
   * The segments of the chunk {@code [chunkOffset, chunkOffset + chunkLength)}, relative to the
   * chunk's first byte: in order, covering it exactly, one per region it touches. Bytes past the
   * end of the map (a file that grew) are BYTES. A zero-length chunk has no segments.
   *
   * <p>Every typed segment starts on an element boundary of its tensor: when a chunk starts in the
   * middle of an element (chunks are cut at fixed offsets and the data section is not aligned),
   * the partial element is a BYTES segment of its own. A typed segment can still end mid-element
   * at the chunk's end; the codec stores such tail bytes raw.
   */
  public List<Segment> segments(long chunkOffset, int chunkLength) {
    if (chunkOffset < 0 || chunkLength < 0 || chunkOffset > Long.MAX_VALUE - chunkLength) {
      throw new IllegalArgumentException("chunk " + chunkOffset + "+" + chunkLength);
    }
    List<Segment> out = new ArrayList<>(2);
    long end = chunkOffset + chunkLength;
    long pos = chunkOffset;
    int i = Arrays.binarySearch(starts, pos);
    if (i < 0) {
      i = -i - 2; // the region that starts before pos
    }
    for (; i >= 0 && i < starts.length && pos < end && pos < size; i++) {
      long to = Math.min(end, regionEnd(i));
      int width = dtypes[i].width();
      long skew = (pos - starts[i]) % width;
      if (skew != 0) {
        // The chunk starts mid-element: the partial element is plain bytes, so the typed segment
        // that follows starts on an element boundary (byte planes stay in step).
        long partial = Math.min(width - skew, to - pos);
        append(out, (int) (pos - chunkOffset), (int) partial, DType.BYTES);
        pos += partial;
      }
      if (pos < to) {
        append(out, (int) (pos - chunkOffset), (int) (to - pos), dtypes[i]);
      }
      pos = to;
    }
    if (pos < end) {
      append(out, (int) (pos - chunkOffset), (int) (end - pos), DType.BYTES);
    }
    return out;
  }

  private static void append(List<Segment> out, int offset, int length, DType dtype) {
    int last = out.size() - 1;
    if (last >= 0 && out.get(last).dtype() == dtype) {
      Segment s = out.remove(last); // only BYTES past the end can meet BYTES: regions are merged
      out.add(new Segment(s.offset(), s.length() + length, dtype));
    } else {
      out.add(new Segment(offset, length, dtype));
    }
  }

  @Override
  public String toString() {
    return "DTypeMap" + regions();
  }
}
