import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Checkpoint versions for the delta benchmark (issue 13), from the real BERT-base FP32 weights
 * ({@code perf/bench/bert/make-bert.sh}: one flat tensor of 110,104,890 floats, the TensorFlow
 * checkpoint's variables back to back in the bundle's order, which sorts them by name).
 *
 * <p>Writes, in OUT_DIR, one {@code model.safetensors} per folder:
 * <ul>
 *   <li>{@code v1/}: the same bytes under BERT-base's 204 real tensors (names and shapes, sorted by
 *       name as the checkpoint stores them; 440,419,560 data bytes);
 *   <li>{@code v2-tensors/}: 5% of the tensors (10 of 204, drawn with a fixed seed) updated in
 *       place, every value of each nudged (a fine-tuning step: every byte of those tensors changes);
 *   <li>{@code v2-bytes5/}: tensors drawn until 5% of the data bytes are updated the same way;
 *   <li>{@code v2-byte/}: one byte changed (a mantissa bit in the middle of the file);
 *   <li>{@code v2-header/}: the header grown by 100 bytes ({@code __metadata__} added), so every
 *       tensor moved by 100 bytes.
 * </ul>
 * Run: {@code java perf/bench/delta/MakeVersions.java BERT_FP32 OUT_DIR}.
 */
public final class MakeVersions {
  record Tensor(String name, long[] shape) {
    long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  static List<Tensor> bert() {
    List<Tensor> t = new ArrayList<>();
    t.add(new Tensor("bert/embeddings/LayerNorm/beta", new long[] {768}));
    t.add(new Tensor("bert/embeddings/LayerNorm/gamma", new long[] {768}));
    t.add(new Tensor("bert/embeddings/position_embeddings", new long[] {512, 768}));
    t.add(new Tensor("bert/embeddings/token_type_embeddings", new long[] {2, 768}));
    t.add(new Tensor("bert/embeddings/word_embeddings", new long[] {30522, 768}));
    for (int l = 0; l < 12; l++) {
      String p = "bert/encoder/layer_" + l + "/";
      t.add(new Tensor(p + "attention/output/LayerNorm/beta", new long[] {768}));
      t.add(new Tensor(p + "attention/output/LayerNorm/gamma", new long[] {768}));
      t.add(new Tensor(p + "attention/output/dense/bias", new long[] {768}));
      t.add(new Tensor(p + "attention/output/dense/kernel", new long[] {768, 768}));
      for (String k : new String[] {"key", "query", "value"}) {
        t.add(new Tensor(p + "attention/self/" + k + "/bias", new long[] {768}));
        t.add(new Tensor(p + "attention/self/" + k + "/kernel", new long[] {768, 768}));
      }
      t.add(new Tensor(p + "intermediate/dense/bias", new long[] {3072}));
      t.add(new Tensor(p + "intermediate/dense/kernel", new long[] {768, 3072}));
      t.add(new Tensor(p + "output/LayerNorm/beta", new long[] {768}));
      t.add(new Tensor(p + "output/LayerNorm/gamma", new long[] {768}));
      t.add(new Tensor(p + "output/dense/bias", new long[] {768}));
      t.add(new Tensor(p + "output/dense/kernel", new long[] {3072, 768}));
    }
    t.add(new Tensor("bert/pooler/dense/bias", new long[] {768}));
    t.add(new Tensor("bert/pooler/dense/kernel", new long[] {768, 768}));
    t.add(new Tensor("cls/predictions/output_bias", new long[] {30522}));
    t.add(new Tensor("cls/predictions/transform/LayerNorm/beta", new long[] {768}));
    t.add(new Tensor("cls/predictions/transform/LayerNorm/gamma", new long[] {768}));
    t.add(new Tensor("cls/predictions/transform/dense/bias", new long[] {768}));
    t.add(new Tensor("cls/predictions/transform/dense/kernel", new long[] {768, 768}));
    t.sort((a, b) -> a.name().compareTo(b.name()));
    return t;
  }

  static byte[] header(List<Tensor> ts, String metadata, int pad) {
    StringBuilder sb = new StringBuilder("{");
    if (metadata != null) {
      sb.append("\"__metadata__\":{\"note\":\"").append(metadata).append("\"},");
    }
    long off = 0;
    for (int i = 0; i < ts.size(); i++) {
      Tensor t = ts.get(i);
      long end = off + 4 * t.elements();
      sb.append(i == 0 ? "" : ",").append('"').append(t.name()).append("\":{\"dtype\":\"F32\",\"shape\":[");
      for (int d = 0; d < t.shape().length; d++) {
        sb.append(d == 0 ? "" : ",").append(t.shape()[d]);
      }
      sb.append("],\"data_offsets\":[").append(off).append(',').append(end).append("]}");
      off = end;
    }
    sb.append('}');
    while (sb.length() < pad) {
      sb.append(' ');
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  public static void main(String[] args) throws IOException {
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    List<Tensor> ts = bert();
    long elements = ts.stream().mapToLong(Tensor::elements).sum();
    byte[] data;
    try (FileChannel ch = FileChannel.open(in, StandardOpenOption.READ)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      long headerLen = len.flip().getLong();
      long dataLen = ch.size() - 8 - headerLen;
      if (dataLen != 4 * elements) {
        throw new IllegalStateException(in + ": " + dataLen + " data bytes, BERT-base has " + 4 * elements);
      }
      data = new byte[(int) dataLen];
      ByteBuffer b = ByteBuffer.wrap(data);
      long pos = 8 + headerLen;
      while (b.hasRemaining()) {
        pos += ch.read(b, pos);
      }
    }
    byte[] h1 = header(ts, null, 0);
    int base = (h1.length + 7) / 8 * 8;
    h1 = header(ts, null, base);
    write(out.resolve("v1"), h1, data);

    long[] starts = new long[ts.size()];
    for (int i = 1; i < ts.size(); i++) {
      starts[i] = starts[i - 1] + 4 * ts.get(i - 1).elements();
    }
    SplittableRandom r = new SplittableRandom(13);
    byte[] tensors = data.clone();
    List<Integer> picked = new ArrayList<>();
    while (picked.size() < Math.round(0.05 * ts.size())) {
      int i = r.nextInt(ts.size());
      if (!picked.contains(i)) {
        picked.add(i);
      }
    }
    long touched = nudge(tensors, ts, starts, picked, r);
    System.err.printf("v2-tensors: %d tensors, %d bytes (%.2f%% of the data)%n", picked.size(), touched,
        100.0 * touched / data.length);
    write(out.resolve("v2-tensors"), h1, tensors);

    byte[] bytes5 = data.clone();
    List<Integer> more = new ArrayList<>();
    long sum = 0;
    while (sum < 0.05 * data.length) {
      int i = r.nextInt(ts.size());
      if (!more.contains(i) && 4 * ts.get(i).elements() < 0.05 * data.length) {
        more.add(i);
        sum += 4 * ts.get(i).elements();
      }
    }
    touched = nudge(bytes5, ts, starts, more, r);
    System.err.printf("v2-bytes5: %d tensors, %d bytes (%.2f%% of the data)%n", more.size(), touched,
        100.0 * touched / data.length);
    write(out.resolve("v2-bytes5"), h1, bytes5);

    byte[] oneByte = data.clone();
    oneByte[data.length / 2 + 1] ^= 0x01;
    write(out.resolve("v2-byte"), h1, oneByte);

    String meta = "";
    byte[] h2 = header(ts, meta, 0);
    int grow = base + 100 - h2.length;
    h2 = header(ts, "x".repeat(grow), 0);
    if (h2.length != base + 100) {
      throw new IllegalStateException("header of " + h2.length + " bytes, wanted " + (base + 100));
    }
    write(out.resolve("v2-header"), h2, data);
    System.err.printf("v1: %d tensors, header %d bytes; v2-header: header %d bytes%n", ts.size(), h1.length, h2.length);
  }

  /** Nudges every value of the picked tensors by a random relative step (every byte changes); returns their bytes. */
  static long nudge(byte[] data, List<Tensor> ts, long[] starts, List<Integer> picked, SplittableRandom r) {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    long bytes = 0;
    for (int i : picked) {
      int from = (int) starts[i];
      int n = (int) ts.get(i).elements();
      for (int k = 0; k < n; k++) {
        float v = b.getFloat(from + 4 * k);
        b.putFloat(from + 4 * k, v * (1 + (float) (r.nextDouble() - 0.5) * 1e-2f) + (float) r.nextGaussian() * 1e-6f);
      }
      bytes += 4L * n;
    }
    return bytes;
  }

  static void write(Path dir, byte[] header, byte[] data) throws IOException {
    Files.createDirectories(dir);
    Path f = dir.resolve("model.safetensors");
    try (OutputStream o = Files.newOutputStream(f)) {
      o.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
      o.write(header);
      o.write(data);
    }
  }
}
