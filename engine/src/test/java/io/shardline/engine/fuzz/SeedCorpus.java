package io.shardline.engine.fuzz;

import io.shardline.engine.codec.CodecId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shardline.engine.codec.Codec;
import io.shardline.engine.codec.PlanesCodec;
import io.shardline.engine.tensor.Segment;
import io.shardline.engine.codec.ZstdCodec;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.tensor.DType;
import io.shardline.engine.tensor.SafetensorsHeader;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameCodec;
import io.shardline.engine.wire.FrameType;
import io.shardline.engine.wire.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the fuzz tests' seed corpora: valid encodings of every frame, codec and header shape
 * (so regression mode walks the real decoding paths) and a few near misses. Not a test: run it
 * by hand after changing an encoding, then review and commit the files. From the repository root:
 *
 * <pre>
 * ./mvnw -q -o -pl engine test-compile dependency:build-classpath -Dmdep.outputFile=target/test.cp
 * java -cp engine/target/test-classes:engine/target/classes:$(cat engine/target/test.cp) \
 *     io.shardline.engine.fuzz.SeedCorpus engine/src/test/resources
 * </pre>
 *
 * Every input is seeded; running it twice writes the same bytes (as long as zstd does).
 */
public final class SeedCorpus {
  private static final String PACKAGE = "io/shardline/engine/fuzz";

  private SeedCorpus() {}

  public static void main(String[] args) throws IOException {
    Path resources = Path.of(args.length > 0 ? args[0] : "engine/src/test/resources");
    Path root = resources.resolve(PACKAGE);
    write(root.resolve("WireFuzzTestInputs/decode"), decodeSeeds());
    write(root.resolve("WireFuzzTestInputs/streamingDecoder"), streamSeeds());
    write(root.resolve("CodecFuzzTestInputs/zstdDecode"), codecSeeds(new ZstdCodec()));
    write(root.resolve("CodecFuzzTestInputs/planesDecode"), codecSeeds(new PlanesCodec()));
    write(root.resolve("SafetensorsFuzzTestInputs/readFile"), safetensorsFiles());
    write(root.resolve("SafetensorsFuzzTestInputs/parseHeader"), safetensorsHeaders());
  }

  private static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }
    System.out.println(dir + ": " + seeds.size() + " seeds");
  }

  // ------------------------------------------------------------------------------------ wire

  private static FileManifest manifest(long size, int chunkSize) {
    SplittableRandom random = new SplittableRandom(size * 31 + chunkSize);
    int[] crcs = new int[FileManifest.chunkCount(size, chunkSize)];
    for (int i = 0; i < crcs.length; i++) {
      crcs[i] = random.nextInt();
    }
    return new FileManifest("models/bert/model.safetensors", "bert/model.safetensors", size, 1_700_000_000_123L,
        chunkSize, crcs, TestFiles.fakeHashes(crcs.length, size), RootDigest.of(size, chunkSize,
        TestFiles.fakeHashes(crcs.length, size)));
  }

  private static Map<String, Frame> frames() {
    Map<String, Frame> m = new LinkedHashMap<>();
    m.put("hello", new Frame.Hello(Protocol.VERSION, 3, "s3cr3t-token", 0x7, 1_000_000));
    m.put("hello-empty-token", new Frame.Hello(1, 0, "", 0, 0));
    m.put("welcome", new Frame.Welcome(Protocol.VERSION, "shardline/0.1 ü"));
    m.put("error", new Frame.Error(9, ErrorCode.CHECKSUM_MISMATCH, "chunk 3 of a.bin: crc 0x1 ≠ 0x2"));
    m.put("list", new Frame.List(1, Protocol.DEFAULT_CHUNK, "models/bert"));
    m.put("entry", new Frame.Entry(2, manifest(3 * 4096L + 100, 4096)));
    m.put("entry-empty-file", new Frame.Entry(3, manifest(0, Protocol.MIN_CHUNK)));
    m.put("list-end", new Frame.ListEnd(4, 1, 12_388L));
    m.put("get", new Frame.Get(5, "bert/model.safetensors", 1L << 33, Protocol.DEFAULT_CHUNK, 0x87));
    m.put("push", new Frame.Push(Protocol.VERSION, "pu$h", "runs/step100", "", 4, Protocol.DEFAULT_CHUNK, 0x87, 0));
    m.put("push-accept", new Frame.PushAccept(1, 2));
    m.put("dial", new Frame.Dial(3));
    m.put("join", new Frame.Join(Protocol.VERSION, 1, 2, 3));
    m.put("push-done", new Frame.PushDone("{\"verified\":true}"));
    m.put("data-identity", data(6, 4096, CodecId.IDENTITY, 40, 40));
    m.put("data-empty", data(7, 0, CodecId.IDENTITY, 0, 0));
    m.put("data-zstd", data(8, 8192, CodecId.ZSTD, 30, 4096));
    m.put("data-planes", data(9, 0, CodecId.PLANES, 30, 65536));
    return m;
  }

  private static Frame.Data data(int requestId, long offset, CodecId codec, int payloadBytes, int rawLength) {
    byte[] payload = new byte[payloadBytes];
    new SplittableRandom(requestId).nextBytes(payload);
    return new Frame.Data(requestId, offset, codec, rawLength, Crc32c.of(payload, 0, payloadBytes),
        Unpooled.wrappedBuffer(payload));
  }

  private static byte[] wire(Frame f) {
    ByteBuf buf = FrameCodec.encode(f, PooledByteBufAllocator.DEFAULT);
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  /** A frame with a correct prefix around hand-written body bytes. */
  private static byte[] rawFrame(int typeId, byte[] body) {
    return ByteBuffer.allocate(5 + body.length).putInt(1 + body.length).put((byte) typeId).put(body).array();
  }

  private static Map<String, byte[]> decodeSeeds() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (Map.Entry<String, Frame> e : frames().entrySet()) {
      m.put(e.getKey(), wire(e.getValue()));
    }
    byte[] hello = wire(frames().get("hello"));
    m.put("bad-truncated-hello", Arrays.copyOf(hello, hello.length - 3));
    m.put("bad-trailing-byte", rawFrame(FrameType.LIST_END.id(), new byte[17]));
    m.put("bad-unknown-type", rawFrame(0x7f, new byte[4]));
    m.put("bad-zero-length", new byte[] {0, 0, 0, 0, 1});
    m.put("bad-too-long", new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1});
    m.put("bad-utf8", rawFrame(FrameType.WELCOME.id(), new byte[] {0, 2, 0, 2, (byte) 0xc3, 0x28}));
    m.put("bad-entry-count", rawFrame(FrameType.ENTRY.id(), ByteBuffer.allocate(4 + 2 + 2 + 24)
        .putInt(1).putShort((short) 0).putShort((short) 0).putLong(Long.MAX_VALUE).putLong(0)
        .putInt(Protocol.MIN_CHUNK).putInt(Integer.MAX_VALUE).array()));
    return m;
  }

  /** A streaming input: the cut count, the cuts (u16 each), then the stream. */
  private static byte[] stream(int[] cuts, byte[]... frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(cuts.length);
    for (int c : cuts) {
      out.write(c >>> 8);
      out.write(c);
    }
    for (byte[] f : frames) {
      out.writeBytes(f);
    }
    return out.toByteArray();
  }

  private static Map<String, byte[]> streamSeeds() {
    Map<String, Frame> frames = frames();
    List<byte[]> all = new ArrayList<>();
    frames.values().forEach(f -> all.add(wire(f)));
    byte[][] every = all.toArray(new byte[0][]);
    byte[] hello = wire(frames.get("hello"));
    byte[] get = wire(frames.get("get"));
    byte[] data = wire(frames.get("data-identity"));
    byte[] bigData = wire(data(10, 1L << 20, CodecId.IDENTITY, 3000, 3000));

    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("every-frame-whole", stream(new int[0], every));
    m.put("every-frame-cut", stream(new int[] {1, 3, 5, 40, 41, 200, 333, 600, 601, 900}, every));
    m.put("hello-cut-in-prefix", stream(new int[] {1, 2, 3, 4}, hello, get));
    // DATA: cuts inside the prefix, inside the 21-byte header and inside the payload
    m.put("data-cut-in-header", stream(new int[] {2, 5, 6, 17, 26, 27, 40}, data, data));
    m.put("data-big-cut", stream(new int[] {5, 26, 1000, 2999, 3025}, bigData, get));
    m.put("error-then-frames", stream(new int[] {7}, hello, rawFrame(0x7f, new byte[3]), get, data));
    m.put("too-long-then-frames", stream(new int[0], new byte[] {0, 1, 0, 1, 1}, get)); // 65,537 bytes
    m.put("data-too-short", stream(new int[0], rawFrame(FrameType.DATA.id(), new byte[10]), get));
    // announces the largest frame allowed, then stops: the decoder allocates and waits
    m.put("max-frame-incomplete", stream(new int[0], new byte[] {0, 1, 0, 0, (byte) FrameType.LIST.id(), 0, 0}));
    return m;
  }

  // ---------------------------------------------------------------------------------- codecs

  /** Little-endian values of {@code dtype}: floats from N(0, 0.02), integers small. */
  private static byte[] tensor(DType dtype, int length, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    ByteBuffer b = ByteBuffer.allocate(length + 8).order(ByteOrder.LITTLE_ENDIAN);
    int w = dtype.width();
    for (int at = 0; at < length; at += w) { // the last value may be cut short
      double g = gaussian(r) * 0.02;
      long v = switch (dtype) {
        case F32 -> Float.floatToRawIntBits((float) g);
        case F64 -> Double.doubleToRawLongBits(g);
        case BF16 -> Float.floatToRawIntBits((float) g) >>> 16;
        default -> Math.round(g * 1000);
      };
      for (int k = 0; k < w; k++) {
        b.put(at + k, (byte) (v >>> (8 * k)));
      }
    }
    byte[] out = new byte[length];
    b.get(0, out);
    return out;
  }

  private static double gaussian(SplittableRandom r) {
    double u = Math.max(r.nextDouble(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static List<Segment> segments(Object... typeAndLength) {
    List<Segment> out = new ArrayList<>();
    int at = 0;
    for (int i = 0; i < typeAndLength.length; i += 2) {
      int len = (Integer) typeAndLength[i + 1];
      out.add(new Segment(at, len, (DType) typeAndLength[i]));
      at += len;
    }
    return out;
  }

  /** rawLength (u32 big-endian) then the encoding; null if the codec would not encode. */
  private static byte[] encoded(Codec codec, byte[] raw, List<Segment> segments) {
    ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(raw.length).writeBytes(raw);
    try {
      ByteBuf enc = codec.encode(in, segments, PooledByteBufAllocator.DEFAULT);
      if (enc == null) {
        throw new IllegalStateException(codec + " did not shrink a " + raw.length + "-byte seed");
      }
      try {
        return concat(ByteBuffer.allocate(4).putInt(raw.length).array(), ByteBufUtil.getBytes(enc));
      } finally {
        enc.release();
      }
    } finally {
      in.release();
    }
  }

  private static Map<String, byte[]> codecSeeds(Codec codec) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    byte[] text = "the quick brown fox jumps over the lazy dog; ".repeat(20).getBytes(StandardCharsets.US_ASCII);
    m.put("text", encoded(codec, text, segments(DType.BYTES, text.length)));
    byte[] zeros = new byte[3000];
    m.put("zeros", encoded(codec, zeros, segments(DType.BYTES, zeros.length)));
    byte[] bf16 = tensor(DType.BF16, 4096, 1);
    m.put("bf16", encoded(codec, bf16, segments(DType.BF16, bf16.length)));
    // a leading partial element, a planar F32 run ending mid-value, then integers
    byte[] mixed = concat(new byte[] {0x3c, 0x00, 0x12}, tensor(DType.F32, 4098, 2), tensor(DType.I64, 512, 3));
    m.put("mixed", encoded(codec, mixed, segments(DType.BYTES, 3, DType.F32, 4098, DType.I64, 512)));
    byte[] f64 = tensor(DType.F64, 4096, 4);
    m.put("f64", encoded(codec, f64, segments(DType.F64, f64.length)));
    // the same encoding claiming one byte more: the frame's content size disagrees
    byte[] wrong = m.get("text").clone();
    ByteBuffer.wrap(wrong).putInt(0, text.length + 1);
    m.put("bad-raw-length", wrong);
    return m;
  }

  // ----------------------------------------------------------------------------- safetensors

  /** A safetensors file: the 8-byte length, the JSON header, then {@code dataBytes} bytes of data. */
  private static byte[] safetensors(String json, int dataBytes) {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    for (int i = 0; i < dataBytes; i++) {
      b.put((byte) (i * 31));
    }
    return b.array();
  }

  private static Map<String, String> headers() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("two-tensors", "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"embed.weight\":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[0,32]},"
        + "\"embed.bias\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[32,36]}}");
    m.put("every-dtype", "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]},"
        + "\"c\":{\"dtype\":\"F16\",\"shape\":[1,1],\"data_offsets\":[16,18]},"
        + "\"d\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[18,21]},"
        + "\"e\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[21,22]},"
        + "\"f\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[22,24]},"
        + "\"g\":{\"dtype\":\"I32\",\"shape\":[0,5],\"data_offsets\":[24,24]}}");
    m.put("gap-and-odd-length", "{\"x\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[5,9]} ");
    m.put("empty", "{}");
    m.put("bad-overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}");
    m.put("bad-huge-offsets", "{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807],"
        + "\"data_offsets\":[0,9223372036854775807]}}");
    m.put("bad-negative", "{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[-1,0]}}");
    m.put("bad-shape-overflow", "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
        + "\"data_offsets\":[0,0]}}");
    m.put("bad-duplicate", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
        + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}");
    m.put("bad-deep", "{\"a\":" + "[".repeat(1200) + "]".repeat(1200) + "}");
    return m;
  }

  private static Map<String, byte[]> safetensorsFiles() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers().entrySet()) {
      m.put(e.getKey(), safetensors(e.getValue(), 40));
    }
    byte[] overLimit = safetensors("{}", 8);
    ByteBuffer.wrap(overLimit).order(ByteOrder.LITTLE_ENDIAN).putLong(0, SafetensorsHeader.MAX_HEADER_BYTES + 1);
    m.put("bad-header-length", overLimit);
    return m;
  }

  private static Map<String, byte[]> safetensorsHeaders() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers().entrySet()) {
      byte[] h = e.getValue().getBytes(StandardCharsets.UTF_8);
      m.put(e.getKey(), concat(ByteBuffer.allocate(8).putLong(8 + h.length + 40).array(), h));
    }
    byte[] huge = "{\"a\":{\"dtype\":\"U8\",\"shape\":[4611686018427387904],\"data_offsets\":[1,4611686018427387905]}}"
        .getBytes(StandardCharsets.UTF_8);
    m.put("huge-file", concat(ByteBuffer.allocate(8).putLong(Long.MAX_VALUE).array(), huge));
    return m;
  }
}
