package io.shardline.engine.wire;

import io.shardline.engine.codec.CodecId;
import io.shardline.engine.delta.SegmentIndex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/** Frames of every type and hand-built wire bytes, shared by the codec and decoder tests. */
final class WireFixtures {
  static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

  private WireFixtures() {}

  /** A manifest with seeded CRCs and its matching root. */
  static FileManifest manifest(long size, int chunkSize) {
    SplittableRandom random = new SplittableRandom(size * 31 + chunkSize);
    int[] crcs = new int[FileManifest.chunkCount(size, chunkSize)];
    for (int i = 0; i < crcs.length; i++) {
      crcs[i] = random.nextInt();
    }
    return new FileManifest("models/llama/shard-00001.safetensors", "llama/shard-00001.safetensors", size,
        1_700_000_000_123L, chunkSize, crcs, TestFiles.fakeHashes(crcs.length, size), RootDigest.of(size, chunkSize,
        TestFiles.fakeHashes(crcs.length, size)));
  }

  /** Every control frame type, with fields at their edges (empty strings, max values, non-ASCII). */
  static List<Frame> controlFrames() {
    return List.of(
        new Frame.Hello(Protocol.VERSION, 7, "s3cr3t-token", 0x7, 0),
        new Frame.Hello(65535, 65535, "", -1, Long.MAX_VALUE),
        new Frame.Welcome(Protocol.VERSION, "shardline/0.1 ü"),
        new Frame.Error(0, ErrorCode.CHECKSUM_MISMATCH, "chunk 3 of /a.bin: crc 0x1 ≠ 0x2"),
        new Frame.Error(-1, ErrorCode.INTERNAL, ""),
        new Frame.Settings(List.of()),
        new Frame.Settings(List.of(new Frame.Settings.Setting(Frame.Settings.LANE_RATE, 0),
            new Frame.Settings.Setting(Frame.Settings.WINDOW, Long.MAX_VALUE), new Frame.Settings.Setting(65535, 1))),
        new Frame.List(1, Protocol.DEFAULT_CHUNK, "models/llama 3/über.bin"),
        new Frame.List(2, Protocol.MIN_CHUNK, ""),
        new Frame.List(8, Protocol.DEFAULT_CHUNK, "ckpt", Frame.List.STREAM),
        new Frame.Entry(9, FileManifest.streamed("ckpt/a.bin", "a.bin", 3 * 4096L + 1, 1_700_000_000_123L, 4096)),
        new Frame.Entry(3, manifest(3 * 4096L + 100, 4096)),
        new Frame.Entry(4, manifest(0, Protocol.MAX_CHUNK)),
        new Frame.ListEnd(5, 2, 12_388L),
        new Frame.ListEnd(Integer.MAX_VALUE, 0, Long.MAX_VALUE),
        new Frame.Get(6, "models/llama/shard-00001.safetensors", 1L << 40, Protocol.MAX_CHUNK, 0x87),
        new Frame.Get(7, "a", 0, 0, 1),
        new Frame.Segments(10, "ckpt/über.safetensors", 4L << 20, 256L << 22),
        new Frame.Segments(11, "", 0, 0),
        new Frame.SegmentList(12, SegmentIndex.of(bytes(300_000, 12))),
        new Frame.SegmentList(13, SegmentIndex.of(new byte[0])),
        new Frame.GetRange(14, "ckpt/a.bin", (1L << 40) + 3, 1),
        new Frame.GetRange(15, "a", 0, Protocol.MAX_CHUNK),
        new Frame.Push(Protocol.VERSION, "pu$h-token", "runs/step 100/über", "", 8, Protocol.DEFAULT_CHUNK, 0x87,
            Frame.Push.VERIFY_HASHES),
        new Frame.Push(65535, "", "", "model.safetensors", 65535, Protocol.MAX_CHUNK, 1, 0),
        new Frame.PushAccept(Long.MIN_VALUE, -1),
        new Frame.Dial(Integer.MAX_VALUE),
        new Frame.Dial(-1),
        new Frame.Join(Protocol.VERSION, 0x1234_5678_9abc_def0L, 7, 1),
        new Frame.PushDone("{\"files\":3,\"verified\":true,\"note\":\"ü\"}"),
        new Frame.PushDone(""));
  }

  /** Seeded bytes. */
  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /**
   * A DATA frame over unpooled heap bytes: nothing to release, and usable as the expected value
   * in {@code assertEquals} (record equality compares payload contents).
   */
  static Frame.Data heapData(int requestId, long offset, int n) {
    byte[] payload = bytes(n, requestId);
    return new Frame.Data(requestId, offset, CodecId.IDENTITY, n, Crc32c.of(payload, 0, n),
        Unpooled.wrappedBuffer(payload));
  }

  /** DATA frames: empty, one byte, and more than a chunk's worth of small frames. */
  static List<Frame.Data> dataFrames() {
    return List.of(heapData(20, 0, 0), heapData(21, 4096, 1), heapData(22, (1L << 33) + 7, 300));
  }

  /** Every frame above, control and DATA. */
  static List<Frame> allFrames() {
    List<Frame> all = new ArrayList<>(controlFrames());
    all.addAll(dataFrames());
    return all;
  }

  /** The wire bytes of one frame (the encoded buffer is released). */
  static byte[] wire(Frame f) {
    ByteBuf buf = FrameCodec.encode(f, ALLOC);
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  /** The wire bytes of several frames back to back. */
  static byte[] wire(List<? extends Frame> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame f : frames) {
      out.writeBytes(wire(f));
    }
    return out.toByteArray();
  }

  /** A pooled buffer holding the first {@code length} bytes of {@code b}. */
  static ByteBuf pooled(byte[] b, int length) {
    return ALLOC.buffer(length).writeBytes(b, 0, length);
  }

  /** A pooled frame with a correct length prefix around whatever {@code body} writes. */
  static ByteBuf frame(int typeId, Consumer<ByteBuf> body) {
    ByteBuf buf = ALLOC.buffer();
    buf.writeInt(0).writeByte(typeId);
    body.accept(buf);
    buf.setInt(0, buf.readableBytes() - 4);
    return buf;
  }

  static ByteBuf frame(FrameType type, Consumer<ByteBuf> body) {
    return frame(type.id(), body);
  }

  /** A length-prefixed UTF-8 string, as the codec writes it (without its limit check). */
  static void string(ByteBuf buf, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    buf.writeShort(b.length).writeBytes(b);
  }

  /** The fixed DATA header. */
  static void dataHeader(ByteBuf buf, int requestId, long offset, int codec, int rawLength, int crc) {
    buf.writeInt(requestId).writeLong(offset).writeByte(codec).writeInt(rawLength).writeInt(crc);
  }
}
