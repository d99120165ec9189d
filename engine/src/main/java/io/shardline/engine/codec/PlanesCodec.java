package io.shardline.engine.codec;

import static io.shardline.engine.codec.DirectView.bad;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.Segment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Codec 2, {@code planes}: the tensor-aware transform. Floats of 2, 4 or 8 bytes (F16, BF16,
 * F32, F64) are split into byte planes, plane {@code k} holding byte {@code k} of every element
 * (data is little-endian, as in safetensors); each plane is zstd-compressed and kept compressed
 * only if that is smaller. The plane holding the sign and exponent shrinks a lot; mantissa planes
 * are near noise and mostly go raw, so they cost little CPU to decode. Everything else (bytes,
 * integers, 1-byte floats, and float runs under {@value #MIN_PLANAR_BYTES} bytes) is zstd'd as
 * it is. The encoding describes itself: a decoder needs only the payload and {@code raw_length}.
 *
 * <h2>Encoding</h2>
 *
 * <p>As it goes into {@code docs/protocol.md} (codec 2, protocol version 2). A DATA payload in
 * codec 2 is:
 *
 * <pre>
 * +----------------+----------------------------+-------------------------------+
 * | segments: u32  | segment x segments         | payloads, in header order     |
 * +----------------+----------------------------+-------------------------------+
 * segment = length u32 | dtype u8 | planes u8 | part x parts
 * part    = mode u8 | stored u32
 *
 * | field | type | meaning |
 * |---|---|---|
 * | segments | u32 | number of segments; in order, they cover the chunk exactly |
 * | length | u32 | raw bytes of the segment (at least 1) |
 * | dtype | u8 | DType id: 0 BYTES, 1 BOOL, 2 U8, 3 I8, 4 F8_E4M3, 5 F8_E5M2, 6 I16, 7 U16, 8 F16, 9 BF16, 10 I32, 11 U32, 12 F32, 13 I64, 14 U64, 15 F64 |
 * | planes | u8 | w = the dtype's width for F16, BF16, F32, F64 (a planar segment); 1 for any other dtype (a plain segment) |
 * | parts | | plain: 1 part, the segment's bytes. Planar: the segment's whole elements (length - length % w bytes) are cut into blocks of 262,144 bytes, the last one shorter; each block gives w parts, plane 0 to w-1, plane k holding byte k of each of the block's block/w elements: ceil(whole / 262,144) * w parts |
 * | mode | u8 | 0: the part's bytes, raw; 1: one zstd frame with the content size field set to the part's length (no dictionary; a checksum is allowed, none is sent) |
 * | stored | u32 | payload bytes of the part: mode 0, exactly its length; mode 1, at least 9 and less than its length |
 *
 * Payloads follow the header in header order, each part's stored bytes; a planar segment's
 * last length % w bytes (a chunk can end mid-value) come after its last part's payload, raw,
 * with no header entry. All integers are big-endian; elements are little-endian, as in
 * safetensors.
 *
 * Checked by the decoder (any failure: BAD_ENCODING, nothing allocated before the header checks):
 * - the payload is smaller than raw_length (a chunk that does not shrink goes as identity);
 * - the header fits in the payload; every dtype id is known; planes matches the dtype;
 *   every mode is 0 or 1 and every stored length is allowed for its mode;
 * - the segment lengths add up to raw_length, and the header plus every stored length and
 *   tail add up to the payload length, exactly;
 * - each zstd frame declares its part's length and spans its stored bytes exactly, and
 *   decodes to exactly that many bytes.
 * Decoding allocates the raw_length output and one scratch block of at most 262,144 bytes.
 * </pre>
 *
 * <p>Blocks keep the scratch space of both sides small and cache-resident (a block's planes are
 * transposed and compressed while still in cache), and cost almost nothing in ratio: zstd already
 * restarts its entropy tables every 128 KiB. A segment is expected to start on an element
 * boundary: whoever builds the segments gives a chunk's leading partial element (a chunk that
 * starts mid-value) its own {@link DType#BYTES} segment.
 */
public final class PlanesCodec implements Codec {
  /** Raw bytes of whole elements per block of a planar segment (a multiple of 8). */
  public static final int BLOCK_BYTES = 256 * 1024;
  /**
   * Float segments shorter than this are encoded as plain bytes: a tiny tensor's planes would
   * cost more in headers and frames than they save.
   */
  public static final int MIN_PLANAR_BYTES = 4096;

  /**
   * A plane stored raw in one block (a mantissa plane: noise) is stored raw in the next blocks
   * of its segment without trying zstd, except in every {@value}th block, where every plane is
   * tried again. Failing to compress noise costs as much as compressing it.
   */
  static final int PROBE_EVERY = 4;

  private static final int MODE_RAW = 0;
  private static final int MODE_ZSTD = 1;
  private static final int SEGMENT_HEADER = 4 + 1 + 1;
  private static final int PART_HEADER = 1 + 4;

  private final int level;

  /** A codec compressing planes at {@link ZstdCodec#DEFAULT_LEVEL}. */
  public PlanesCodec() {
    this(ZstdCodec.DEFAULT_LEVEL);
  }

  /**
   * A codec compressing planes at zstd {@code level}. Negative (fast) levels count as 1: they
   * turn off the entropy coding of literals, which is all that shrinks a plane.
   */
  public PlanesCodec(int level) {
    this.level = Math.max(1, ZstdFrames.checkLevel(level));
  }

  @Override
  public CodecId id() {
    return CodecId.PLANES;
  }

  @Override
  public String name() {
    return "planes";
  }

  /** The zstd level planes and plain segments are compressed at (at least 1). */
  public int level() {
    return level;
  }

  /** Whether segments of this type are split into planes (floats of 2, 4 or 8 bytes). */
  public static boolean planar(DType dtype) {
    return dtype.floating() && dtype.width() > 1;
  }

  private static int planes(DType dtype) {
    return planar(dtype) ? dtype.width() : 1;
  }

  /** Number of blocks of a planar segment of {@code length} bytes of {@code width}-byte elements. */
  private static long blocks(long length, int width) {
    long whole = length - length % width;
    return (whole + BLOCK_BYTES - 1) / BLOCK_BYTES;
  }

  // ---------------------------------------------------------------------------------------------
  // encode

  /** A segment as it is encoded: planar with its dtype, or plain (BYTES) after merging. */
  private record Part(int offset, int length, DType dtype) {
    int parts() {
      return planar(dtype) ? (int) blocks(length, dtype.width()) * dtype.width() : 1;
    }
  }

  /**
   * Float segments long enough become planar segments; everything else is merged with its
   * plain neighbours into one BYTES segment (one zstd frame compresses them at least as well).
   */
  private static List<Part> normalize(List<Segment> segments) {
    List<Part> parts = new ArrayList<>();
    for (Segment s : segments) {
      if (s.length() == 0) {
        continue;
      }
      if (planar(s.dtype()) && s.length() >= MIN_PLANAR_BYTES) {
        parts.add(new Part(s.offset(), s.length(), s.dtype()));
        continue;
      }
      int last = parts.size() - 1;
      if (last >= 0 && parts.get(last).dtype() == DType.BYTES) {
        Part p = parts.get(last);
        parts.set(last, new Part(p.offset(), p.length() + s.length(), DType.BYTES));
      } else {
        parts.add(new Part(s.offset(), s.length(), DType.BYTES));
      }
    }
    return parts;
  }

  @Override
  public ByteBuf encode(ByteBuf raw, List<Segment> segments, ByteBufAllocator alloc) {
    int n = raw.readableBytes();
    DirectView.checkCovers(segments, n);
    List<Part> parts = normalize(segments);
    long headerBytes = 4;
    int scratchBytes = 0;
    for (Part p : parts) {
      headerBytes += SEGMENT_HEADER + (long) PART_HEADER * p.parts();
      if (planar(p.dtype())) {
        int whole = p.length() - p.length() % p.dtype().width();
        scratchBytes = Math.max(scratchBytes, Math.min(BLOCK_BYTES, whole));
      }
    }
    int cap = n - 1; // the encoding must be smaller than the chunk
    if (headerBytes > cap) {
      return null;
    }
    try (DirectView src = DirectView.of(raw, alloc, ByteOrder.LITTLE_ENDIAN)) {
      ByteBuf out = alloc.directBuffer(cap, cap);
      ByteBuf scratch = null;
      boolean done = false;
      try {
        ByteBuffer o = DirectView.writable(out, cap);
        ByteBuffer planes = null;
        if (scratchBytes > 0) {
          scratch = alloc.directBuffer(scratchBytes, scratchBytes);
          planes = DirectView.writable(scratch, scratchBytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        Writer w = new Writer(o, (int) headerBytes, cap, level);
        o.putInt(0, parts.size());
        for (Part p : parts) {
          if (!encodeSegment(src.buf, p, planes, w)) {
            return null;
          }
        }
        out.writerIndex(w.payload);
        done = true;
        return out;
      } finally {
        if (scratch != null) {
          scratch.release();
        }
        if (!done) {
          out.release();
        }
      }
    }
  }

  /** Writes one segment's header and payloads; false when the chunk would not shrink. */
  private static boolean encodeSegment(ByteBuffer src, Part p, ByteBuffer planes, Writer w) {
    w.out.putInt(w.header, p.length());
    w.out.put(w.header + 4, (byte) p.dtype().id());
    w.out.put(w.header + 5, (byte) planes(p.dtype()));
    w.header += SEGMENT_HEADER;
    if (!planar(p.dtype())) {
      return w.part(src, p.offset(), p.length(), ZstdFrames.GENERAL, true) >= 0;
    }
    int width = p.dtype().width();
    int whole = p.length() - p.length() % width;
    boolean[] wasRaw = new boolean[width];
    for (int b = 0, block = 0; b < whole; b += BLOCK_BYTES, block++) {
      int e = Math.min(BLOCK_BYTES, whole - b) / width;
      BytePlanes.split(src, p.offset() + b, planes, 0, e, width);
      boolean probe = block % PROBE_EVERY == 0;
      for (int k = 0; k < width; k++) {
        int mode = w.part(planes, k * e, e, ZstdFrames.PLANES, probe || !wasRaw[k]);
        if (mode < 0) {
          return false;
        }
        wasRaw[k] = mode == MODE_RAW;
      }
    }
    return w.raw(src, p.offset() + whole, p.length() - whole);
  }

  /** Cursors into the output: the next header entry, the next payload byte, and the limit. */
  private static final class Writer {
    final ByteBuffer out;
    final int cap;
    final int level;
    int header = 4;
    int payload;

    Writer(ByteBuffer out, int payload, int cap, int level) {
      this.out = out;
      this.payload = payload;
      this.cap = cap;
      this.level = level;
    }

    /**
     * One part: zstd if {@code tryZstd} and that is smaller than {@code len}, else raw. Returns
     * the mode used, or -1 when out of room. {@code profile}: {@link ZstdFrames#PLANES} for a
     * float plane, else {@link ZstdFrames#GENERAL}.
     */
    int part(ByteBuffer src, int off, int len, int profile, boolean tryZstd) {
      int room = cap - payload;
      int m = -1;
      if (tryZstd) {
        m = ZstdFrames.compress(src, off, len, out, payload, Math.min(len - 1, room), level, profile);
      }
      int mode = MODE_ZSTD;
      if (m < 0) {
        if (len > room) {
          return -1;
        }
        out.put(payload, src, off, len);
        m = len;
        mode = MODE_RAW;
      }
      out.put(header, (byte) mode);
      out.putInt(header + 1, m);
      header += PART_HEADER;
      payload += m;
      return mode;
    }

    /** Raw bytes with no header entry (a segment's tail). False when out of room. */
    boolean raw(ByteBuffer src, int off, int len) {
      if (len > cap - payload) {
        return false;
      }
      out.put(payload, src, off, len);
      payload += len;
      return true;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // decode

  @Override
  public ByteBuf decode(ByteBuf encoded, int rawLength, ByteBufAllocator alloc) {
    int n = encoded.readableBytes();
    if (rawLength < 0 || n >= rawLength) {
      throw bad("planes payload of " + n + " bytes for a chunk of " + rawLength + " (must be smaller)");
    }
    try (DirectView src = DirectView.of(encoded, alloc, ByteOrder.BIG_ENDIAN)) {
      Layout layout = validate(src.buf, rawLength);
      int scratchBytes = layout.scratch();
      ByteBuf out = alloc.directBuffer(rawLength, rawLength);
      ByteBuf scratch = null;
      boolean done = false;
      try {
        ByteBuffer planes = null;
        if (scratchBytes > 0) {
          scratch = alloc.directBuffer(scratchBytes, scratchBytes);
          planes = DirectView.writable(scratch, scratchBytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer dst = DirectView.writable(out, rawLength).order(ByteOrder.LITTLE_ENDIAN);
        decodeValidated(src.buf, layout.headerEnd(), dst, planes);
        out.writerIndex(rawLength);
        done = true;
        return out;
      } finally {
        if (scratch != null) {
          scratch.release();
        }
        if (!done) {
          out.release();
        }
      }
    } catch (RuntimeException e) {
      throw DirectView.decodeFailure(name(), e);
    }
  }

  /** Where a validated header ends, and the scratch decoding needs (its largest block, or 0). */
  private record Layout(int headerEnd, int scratch) {}

  /** Checks the header against the payload length and {@code rawLength} (see the class doc). */
  private static Layout validate(ByteBuffer in, int rawLength) {
    int n = in.limit();
    if (n < 4) {
      throw bad("planes header is truncated");
    }
    long count = Integer.toUnsignedLong(in.getInt(0));
    if (count > (n - 4) / SEGMENT_HEADER) {
      throw bad(count + " segments cannot fit in " + n + " bytes");
    }
    int h = 4;
    long total = 0;
    long payload = 0;
    int scratch = 0;
    for (long s = 0; s < count; s++) {
      if (h + SEGMENT_HEADER > n) {
        throw bad("planes header is truncated in segment " + s);
      }
      long length = Integer.toUnsignedLong(in.getInt(h));
      int id = in.get(h + 4) & 0xff;
      int planes = in.get(h + 5) & 0xff;
      h += SEGMENT_HEADER;
      DType dtype = DType.ofId(id);
      if (dtype == null) {
        throw bad("segment " + s + " has unknown dtype " + id);
      }
      if (planes != planes(dtype)) {
        throw bad("segment " + s + " (" + dtype + ") has " + planes + " planes, expected " + planes(dtype));
      }
      if (length == 0) {
        throw bad("segment " + s + " is empty");
      }
      total += length;
      if (total > rawLength) {
        throw bad("segments add up to more than the chunk's " + rawLength + " bytes");
      }
      if (!planar(dtype)) {
        h = checkPart(in, h, length, s);
        payload += in.getInt(h - 4) & 0xffffffffL;
        continue;
      }
      int width = dtype.width();
      long whole = length - length % width;
      for (long b = 0; b < whole; b += BLOCK_BYTES) {
        long block = Math.min(BLOCK_BYTES, whole - b);
        scratch = (int) Math.max(scratch, block);
        for (int k = 0; k < width; k++) {
          h = checkPart(in, h, block / width, s);
          payload += in.getInt(h - 4) & 0xffffffffL;
        }
      }
      payload += length - whole;
    }
    if (total != rawLength) {
      throw bad("segments add up to " + total + " bytes, the chunk has " + rawLength);
    }
    if (h + payload != n) {
      throw bad("header and payloads add up to " + (h + payload) + " bytes, the encoding has " + n);
    }
    return new Layout(h, scratch);
  }

  /** Checks one part entry at {@code h} for a part of {@code length} raw bytes; returns h + 5. */
  private static int checkPart(ByteBuffer in, int h, long length, long segment) {
    if (h + PART_HEADER > in.limit()) {
      throw bad("planes header is truncated in segment " + segment);
    }
    int mode = in.get(h) & 0xff;
    long stored = Integer.toUnsignedLong(in.getInt(h + 1));
    if (mode == MODE_RAW ? stored != length
        : mode != MODE_ZSTD || stored < ZstdFrames.MIN_FRAME || stored >= length) {
      throw bad("segment " + segment + ": part of " + length + " bytes with mode " + mode + " and "
          + stored + " stored bytes");
    }
    return h + PART_HEADER;
  }

  /** Decodes a validated encoding into {@code out}; zstd frames are still checked one by one. */
  private static void decodeValidated(ByteBuffer in, int headerEnd, ByteBuffer out, ByteBuffer planes) {
    long count = Integer.toUnsignedLong(in.getInt(0));
    Reader r = new Reader(in, headerEnd);
    int at = 0;
    for (long s = 0; s < count; s++) {
      int length = in.getInt(r.header);
      DType dtype = DType.ofId(in.get(r.header + 4) & 0xff);
      r.header += SEGMENT_HEADER;
      if (!planar(dtype)) {
        r.part(out, at, length);
      } else {
        int width = dtype.width();
        int whole = length - length % width;
        for (int b = 0; b < whole; b += BLOCK_BYTES) {
          int e = Math.min(BLOCK_BYTES, whole - b) / width;
          for (int k = 0; k < width; k++) {
            r.part(planes, k * e, e);
          }
          BytePlanes.merge(planes, 0, out, at + b, e, width);
        }
        out.put(at + whole, in, r.payload, length - whole);
        r.payload += length - whole;
      }
      at += length;
    }
  }

  /** Cursors into a validated encoding: the next part entry and the next payload byte. */
  private static final class Reader {
    final ByteBuffer in;
    int header = 4;
    int payload;

    Reader(ByteBuffer in, int payload) {
      this.in = in;
      this.payload = payload;
    }

    /** Decodes the next part, {@code len} raw bytes, to {@code dst[at ..]}. */
    void part(ByteBuffer dst, int at, int len) {
      int mode = in.get(header);
      int stored = in.getInt(header + 1);
      header += PART_HEADER;
      if (mode == MODE_RAW) {
        dst.put(at, in, payload, len);
      } else {
        ZstdFrames.decompress(in, payload, stored, dst, at, len);
      }
      payload += stored;
    }
  }

  @Override
  public String toString() {
    return name() + "(" + level + ")";
  }
}
