package io.shardline.engine.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.delta.SegmentCodec;
import io.shardline.engine.delta.SegmentIndex;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.integrity.Sha256;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Encodes frames to bytes and decodes frame bodies. Pure functions over buffers: the streaming
 * {@link FrameDecoder} finds frame boundaries and calls {@link #decodeBody}. Every decode fails
 * with a typed {@link ShardlineException} on short, oversized or malformed input.
 *
 * <p>Layout: {@code u32 length | u8 type | body}, big-endian, where length counts type + body.
 */
public final class FrameCodec {
  /** ENTRY flag (v4): a streamed manifest, no CRCs and no root follow. */
  static final int ENTRY_STREAMED = 1;

  private FrameCodec() {}

  // ------------------------------------------------------------------ encoding

  /** Encodes a whole frame. DATA frames use {@link #encodeDataHeader} plus their payload. */
  public static ByteBuf encode(Frame frame, ByteBufAllocator alloc) {
    if (frame instanceof Frame.Data d) {
      ByteBuf header = encodeDataHeader(d, alloc);
      return alloc.compositeBuffer(2).addComponents(true, header, d.payload().retain());
    }
    ByteBuf buf = alloc.buffer(64);
    try {
      writeBody(frame, buf);
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
    return buf;
  }

  private static void writeBody(Frame frame, ByteBuf buf) {
    buf.writeInt(0);
    buf.writeByte(frame.type().id());
    if (frame instanceof Frame.Hello h) {
      buf.writeInt(Protocol.MAGIC);
      buf.writeShort(h.version());
      buf.writeShort(h.lane());
      writeString(buf, h.token(), Protocol.MAX_TOKEN);
      buf.writeInt(h.codecs());
      buf.writeLong(h.laneRate());
    } else if (frame instanceof Frame.Welcome w) {
      buf.writeShort(w.version());
      writeString(buf, w.server(), Protocol.MAX_MESSAGE);
    } else if (frame instanceof Frame.Error e) {
      buf.writeInt(e.requestId());
      buf.writeShort(e.code().code());
      writeString(buf, truncate(e.message(), Protocol.MAX_MESSAGE / 4), Protocol.MAX_MESSAGE);
    } else if (frame instanceof Frame.Settings s) {
      buf.writeShort(s.values().size());
      for (Frame.Settings.Setting v : s.values()) {
        buf.writeShort(v.id());
        buf.writeLong(v.value());
      }
    } else if (frame instanceof Frame.List l) {
      buf.writeInt(l.requestId());
      buf.writeInt(l.chunkSize());
      writeString(buf, l.path(), Protocol.MAX_PATH);
      buf.writeByte(l.flags());
    } else if (frame instanceof Frame.Entry entry) {
      FileManifest e = entry.file();
      buf.writeInt(entry.requestId());
      writeString(buf, e.path(), Protocol.MAX_PATH);
      writeString(buf, e.name(), Protocol.MAX_PATH);
      buf.writeLong(e.size());
      buf.writeLong(e.mtimeMillis());
      buf.writeInt(e.chunkSize());
      buf.writeInt(e.chunkCrcs().length);
      buf.writeByte(e.streamed() ? ENTRY_STREAMED : 0);
      if (!e.streamed()) {
        for (int crc : e.chunkCrcs()) {
          buf.writeInt(crc);
        }
        buf.writeBytes(e.chunkHashes()); // v6
        buf.writeBytes(e.root());
      }
    } else if (frame instanceof Frame.ListEnd l) {
      buf.writeInt(l.requestId());
      buf.writeInt(l.files());
      buf.writeLong(l.bytes());
    } else if (frame instanceof Frame.Get g) {
      buf.writeInt(g.requestId());
      writeString(buf, g.path(), Protocol.MAX_PATH);
      buf.writeLong(g.offset());
      buf.writeInt(g.length());
      buf.writeByte(g.codecs());
      buf.writeLong(g.version()); // v7
    } else if (frame instanceof Frame.Segments s) {
      buf.writeInt(s.requestId());
      writeString(buf, s.path(), Protocol.MAX_PATH);
      buf.writeLong(s.offset());
      buf.writeLong(s.length());
      buf.writeLong(s.version()); // v7
    } else if (frame instanceof Frame.SegmentList l) {
      buf.writeInt(l.requestId());
      buf.writeBytes(SegmentCodec.encode(l.segments()));
    } else if (frame instanceof Frame.GetRange g) {
      buf.writeInt(g.requestId());
      writeString(buf, g.path(), Protocol.MAX_PATH);
      buf.writeLong(g.offset());
      buf.writeInt(g.length());
      buf.writeLong(g.version()); // v7
    } else if (frame instanceof Frame.Push p) {
      buf.writeInt(Protocol.MAGIC);
      buf.writeShort(p.version());
      writeString(buf, p.token(), Protocol.MAX_TOKEN);
      writeString(buf, p.path(), Protocol.MAX_PATH);
      writeString(buf, p.source(), Protocol.MAX_PATH);
      buf.writeShort(p.lanes());
      buf.writeInt(p.chunkSize());
      buf.writeByte(p.codecs());
      buf.writeByte(p.flags());
    } else if (frame instanceof Frame.PushAccept a) {
      buf.writeLong(a.sessionHigh());
      buf.writeLong(a.sessionLow());
    } else if (frame instanceof Frame.Dial d) {
      buf.writeInt(d.ticket());
    } else if (frame instanceof Frame.Join j) {
      buf.writeInt(Protocol.MAGIC);
      buf.writeShort(j.version());
      buf.writeLong(j.sessionHigh());
      buf.writeLong(j.sessionLow());
      buf.writeInt(j.ticket());
    } else if (frame instanceof Frame.PushDone d) {
      byte[] b = d.result().getBytes(StandardCharsets.UTF_8);
      if (b.length > Protocol.MAX_PUSH_RESULT) {
        throw new IllegalArgumentException("push summary of " + b.length + " bytes over limit " + Protocol.MAX_PUSH_RESULT);
      }
      buf.writeInt(b.length);
      buf.writeBytes(b);
    } else {
      throw new AssertionError(frame);
    }
    buf.setInt(0, buf.readableBytes() - 4);
  }

  /** The prefix and fixed header of a DATA frame; the payload follows it on the wire. */
  public static ByteBuf encodeDataHeader(Frame.Data d, ByteBufAllocator alloc) {
    int payload = d.payload().readableBytes();
    ByteBuf buf = alloc.buffer(Protocol.PREFIX_BYTES + Protocol.DATA_HEADER_BYTES);
    buf.writeInt(1 + Protocol.DATA_HEADER_BYTES + payload);
    buf.writeByte(FrameType.DATA.id());
    buf.writeInt(d.requestId());
    buf.writeLong(d.offset());
    buf.writeByte(d.codec());
    buf.writeInt(d.rawLength());
    buf.writeInt(d.crc());
    return buf;
  }

  // ------------------------------------------------------------------ decoding

  /**
   * Decodes a frame body (everything after the type byte). For DATA the returned frame's payload
   * is a retained slice of {@code body}; the caller still owns and releases {@code body}.
   */
  public static Frame decodeBody(FrameType type, ByteBuf body) {
    Frame f = switch (type) {
      case HELLO -> {
        need(body, 8, type);
        magic(body);
        int version = body.readUnsignedShort();
        int lane = body.readUnsignedShort();
        String token = readString(body, Protocol.MAX_TOKEN, type);
        need(body, 12, type);
        int codecs = body.readInt();
        long laneRate = body.readLong();
        if (laneRate < 0) {
          throw malformed("HELLO with a negative rate");
        }
        yield new Frame.Hello(version, lane, token, codecs, laneRate);
      }
      case WELCOME -> {
        need(body, 2, type);
        yield new Frame.Welcome(body.readUnsignedShort(), readString(body, Protocol.MAX_MESSAGE, type));
      }
      case ERROR -> {
        need(body, 6, type);
        int id = body.readInt();
        ErrorCode code = ErrorCode.of(body.readUnsignedShort());
        yield new Frame.Error(id, code, readString(body, Protocol.MAX_MESSAGE, type));
      }
      case SETTINGS -> {
        need(body, 2, type);
        int count = body.readUnsignedShort();
        if (count > Frame.Settings.MAX_VALUES) {
          throw malformed("SETTINGS with " + count + " values (at most " + Frame.Settings.MAX_VALUES + ")");
        }
        need(body, count * 10L, type);
        java.util.List<Frame.Settings.Setting> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          int id = body.readUnsignedShort();
          long value = body.readLong();
          if (value < 0) {
            throw malformed("SETTINGS id " + id + " with value " + value + " (at most 2^63 - 1)");
          }
          values.add(new Frame.Settings.Setting(id, value));
        }
        yield new Frame.Settings(values);
      }
      case LIST -> {
        need(body, 8, type);
        int id = body.readInt();
        int chunk = body.readInt();
        String path = readString(body, Protocol.MAX_PATH, type);
        need(body, 1, type);
        int flags = body.readUnsignedByte();
        if ((flags & ~Frame.List.KNOWN) != 0) {
          throw malformed("LIST with unknown flags " + Integer.toHexString(flags));
        }
        yield new Frame.List(id, chunk, path, flags);
      }
      case ENTRY -> {
        need(body, 4, type);
        int id = body.readInt();
        String path = readString(body, Protocol.MAX_PATH, type);
        String name = readString(body, Protocol.MAX_PATH, type);
        need(body, 25, type);
        long size = body.readLong();
        long mtime = body.readLong();
        int chunkSize = body.readInt();
        int count = body.readInt();
        if (size < 0 || chunkSize < Protocol.MIN_CHUNK || chunkSize > Protocol.MAX_CHUNK || count < 0) {
          throw malformed("ENTRY with size " + size + ", chunk size " + chunkSize + ", " + count + " chunks");
        }
        long expected = (size + chunkSize - 1) / chunkSize;
        if (count != expected) {
          throw malformed("ENTRY has " + count + " chunk CRCs, size needs " + expected);
        }
        if (count > Protocol.MAX_ENTRY_CHUNKS) {
          throw malformed("ENTRY with " + count + " chunks, more than " + Protocol.MAX_ENTRY_CHUNKS);
        }
        int flags = body.readUnsignedByte();
        if ((flags & ~ENTRY_STREAMED) != 0) {
          throw malformed("ENTRY with unknown flags " + Integer.toHexString(flags));
        }
        if (flags == ENTRY_STREAMED) {
          yield new Frame.Entry(id, FileManifest.streamed(path, name, size, mtime, chunkSize));
        }
        need(body, (long) count * (4 + Sha256.BYTES) + RootDigest.BYTES, type);
        int[] crcs = new int[count];
        for (int i = 0; i < count; i++) {
          crcs[i] = body.readInt();
        }
        byte[] hashes = new byte[count * Sha256.BYTES];
        body.readBytes(hashes);
        byte[] root = new byte[RootDigest.BYTES];
        body.readBytes(root);
        yield new Frame.Entry(id, new FileManifest(path, name, size, mtime, chunkSize, crcs, hashes, root));
      }
      case LIST_END -> {
        need(body, 16, type);
        yield new Frame.ListEnd(body.readInt(), body.readInt(), body.readLong());
      }
      case GET -> {
        need(body, 4, type);
        int id = body.readInt();
        String path = readString(body, Protocol.MAX_PATH, type);
        need(body, 21, type);
        long offset = body.readLong();
        int length = body.readInt();
        int codecs = body.readUnsignedByte();
        long version = body.readLong();
        if (offset < 0 || length < 0 || length > Protocol.MAX_CHUNK) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST, "GET range offset " + offset + " length " + length);
        }
        yield new Frame.Get(id, path, offset, length, codecs, version);
      }
      case SEGMENTS -> {
        need(body, 4, type);
        int id = body.readInt();
        String path = readString(body, Protocol.MAX_PATH, type);
        need(body, 24, type);
        long offset = body.readLong();
        long length = body.readLong();
        long version = body.readLong();
        if (offset < 0 || length < 0 || offset + length < 0) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST, "SEGMENTS range offset " + offset + " length " + length);
        }
        yield new Frame.Segments(id, path, offset, length, version);
      }
      case SEGMENT_LIST -> {
        need(body, 4, type);
        int id = body.readInt();
        need(body, SegmentCodec.HEADER_BYTES, type);
        long count = body.getUnsignedInt(body.readerIndex() + 8);
        if (count <= SegmentCodec.MAX_SEGMENTS) {
          need(body, SegmentCodec.encodedLength((int) count), type); // cut short: SHORT_FRAME, as every frame
        }
        ByteBuffer rest = body.nioBuffer(body.readerIndex(), body.readableBytes());
        SegmentIndex segments = SegmentCodec.decode(rest); // refuses short, oversized and malformed lists
        body.skipBytes(body.readableBytes() - rest.remaining());
        yield new Frame.SegmentList(id, segments);
      }
      case GET_RANGE -> {
        need(body, 4, type);
        int id = body.readInt();
        String path = readString(body, Protocol.MAX_PATH, type);
        need(body, 20, type);
        long offset = body.readLong();
        int length = body.readInt();
        long version = body.readLong();
        if (offset < 0 || length <= 0 || length > Protocol.MAX_CHUNK) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST, "GET_RANGE offset " + offset + " length " + length);
        }
        yield new Frame.GetRange(id, path, offset, length, version);
      }
      case PUSH -> {
        need(body, 6, type);
        magic(body);
        int version = body.readUnsignedShort();
        String token = readString(body, Protocol.MAX_TOKEN, type);
        String path = readString(body, Protocol.MAX_PATH, type);
        String source = readString(body, Protocol.MAX_PATH, type);
        need(body, 8, type);
        int lanes = body.readUnsignedShort();
        int chunkSize = body.readInt();
        int codecs = body.readUnsignedByte();
        int flags = body.readUnsignedByte();
        if ((flags & ~Frame.Push.KNOWN) != 0) {
          throw malformed("PUSH with unknown flags " + Integer.toHexString(flags));
        }
        yield new Frame.Push(version, token, path, source, lanes, chunkSize, codecs, flags);
      }
      case PUSH_ACCEPT -> {
        need(body, 16, type);
        yield new Frame.PushAccept(body.readLong(), body.readLong());
      }
      case DIAL -> {
        need(body, 4, type);
        yield new Frame.Dial(body.readInt());
      }
      case JOIN -> {
        need(body, 26, type);
        magic(body);
        yield new Frame.Join(body.readUnsignedShort(), body.readLong(), body.readLong(), body.readInt());
      }
      case PUSH_DONE -> {
        need(body, 4, type);
        long len = body.readUnsignedInt();
        if (len > Protocol.MAX_PUSH_RESULT) {
          throw malformed("PUSH_DONE summary of " + len + " bytes over limit " + Protocol.MAX_PUSH_RESULT);
        }
        need(body, len, type);
        byte[] b = new byte[(int) len];
        body.readBytes(b);
        yield new Frame.PushDone(utf8(b, type));
      }
      case DATA -> {
        need(body, Protocol.DATA_HEADER_BYTES, type);
        ByteBuf header = body.readSlice(Protocol.DATA_HEADER_BYTES);
        yield data(header, body.readRetainedSlice(body.readableBytes()));
      }
    };
    if (body.isReadable()) {
      if (f instanceof Frame.Data d) {
        d.release();
      }
      throw malformed(type + " frame has " + body.readableBytes() + " trailing bytes");
    }
    return f;
  }

  /**
   * Builds a DATA frame from its fixed header and its payload; takes ownership of
   * {@code payload} (released if the header is bad).
   */
  public static Frame.Data data(ByteBuf header, ByteBuf payload) {
    try {
      need(header, Protocol.DATA_HEADER_BYTES, FrameType.DATA);
      int id = header.readInt();
      long offset = header.readLong();
      int codec = header.readUnsignedByte();
      int rawLength = header.readInt();
      int crc = header.readInt();
      if (!CodecId.known(codec)) {
        throw malformed("DATA with unknown codec " + codec);
      }
      if (offset < 0 || rawLength < 0 || rawLength > Protocol.MAX_CHUNK) {
        throw malformed("DATA at offset " + offset + " with raw length " + rawLength);
      }
      boolean ok = codec == CodecId.IDENTITY.wire()
          ? rawLength == payload.readableBytes()
          : payload.readableBytes() < rawLength; // an encoding is only sent when it is smaller
      if (!ok) {
        throw malformed("DATA (codec " + codec + ") says " + rawLength + " raw bytes but carries " + payload.readableBytes());
      }
      return new Frame.Data(id, offset, codec, rawLength, crc, payload);
    } catch (RuntimeException e) {
      payload.release();
      throw e;
    }
  }

  /**
   * Decodes one complete frame (prefix included) from {@code buf}; used by tests and tools.
   * Throws on incomplete input rather than waiting for more.
   */
  public static Frame decode(ByteBuf buf, int maxFrameLength) {
    if (buf.readableBytes() < Protocol.PREFIX_BYTES) {
      throw new ShardlineException(ErrorCode.SHORT_FRAME, "frame prefix needs 5 bytes, got " + buf.readableBytes());
    }
    long length = buf.readUnsignedInt();
    checkLength(length, maxFrameLength);
    FrameType type = typeOf(buf.readUnsignedByte());
    if (buf.readableBytes() < length - 1) {
      throw new ShardlineException(ErrorCode.SHORT_FRAME,
          type + " frame announces " + (length - 1) + " body bytes, got " + buf.readableBytes());
    }
    ByteBuf body = buf.readSlice((int) length - 1);
    return decodeBody(type, body);
  }

  /** Rejects a frame length of 0 (no type byte) or over the limit. */
  public static void checkLength(long length, int maxFrameLength) {
    if (length < 1) {
      throw malformed("frame length " + length);
    }
    if (length > maxFrameLength) {
      throw new ShardlineException(ErrorCode.FRAME_TOO_LARGE,
          "frame of " + length + " bytes is over the limit of " + maxFrameLength);
    }
  }

  /** The type for a byte; unknown types fail with {@link ErrorCode#UNKNOWN_FRAME}. */
  public static FrameType typeOf(int id) {
    FrameType type = FrameType.of(id);
    if (type == null) {
      throw new ShardlineException(ErrorCode.UNKNOWN_FRAME, "unknown frame type 0x" + Integer.toHexString(id));
    }
    return type;
  }

  // ------------------------------------------------------------------ fields

  private static void writeString(ByteBuf buf, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > max) {
      throw new IllegalArgumentException("string of " + b.length + " bytes over limit " + max);
    }
    buf.writeShort(b.length);
    buf.writeBytes(b);
  }

  private static String readString(ByteBuf buf, int max, FrameType type) {
    need(buf, 2, type);
    int len = buf.readUnsignedShort();
    if (len > max) {
      throw malformed(type + " string of " + len + " bytes over limit " + max);
    }
    need(buf, len, type);
    ByteBuffer nio = buf.nioBuffer(buf.readerIndex(), len);
    buf.skipBytes(len);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(nio).toString();
    } catch (CharacterCodingException e) {
      throw malformed(type + " string is not valid UTF-8");
    }
  }

  private static void magic(ByteBuf body) {
    int magic = body.readInt();
    if (magic != Protocol.MAGIC) {
      throw malformed("bad magic 0x" + Integer.toHexString(magic) + " (not a Shardline peer?)");
    }
  }

  private static String utf8(byte[] b, FrameType type) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw malformed(type + " text is not valid UTF-8");
    }
  }

  private static void need(ByteBuf buf, long n, FrameType type) {
    if (buf.readableBytes() < n) {
      throw new ShardlineException(ErrorCode.SHORT_FRAME,
          type + " frame ends early: needs " + n + " more bytes, has " + buf.readableBytes());
    }
  }

  private static ShardlineException malformed(String msg) {
    return new ShardlineException(ErrorCode.MALFORMED_FRAME, msg);
  }

  private static String truncate(String s, int max) {
    String m = s == null ? "" : s;
    return m.length() <= max ? m : m.substring(0, max);
  }
}
