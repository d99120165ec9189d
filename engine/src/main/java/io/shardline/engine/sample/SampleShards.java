package io.shardline.engine.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Writes realistic sample checkpoints: safetensors files (8-byte little-endian header length,
 * JSON header, then data) holding BF16 tensors drawn from N(0, 0.02), like trained weights.
 * Deterministic for a seed. Files are written to a temporary name and renamed, so a file that
 * exists is complete.
 */
public final class SampleShards {
  private SampleShards() {}

  /** Makes {@code count} shards of about {@code bytesPerShard} each in {@code dir} (kept if present). */
  public static long generate(Path dir, int count, long bytesPerShard, long seed) throws IOException {
    Files.createDirectories(dir);
    long total = 0;
    for (int s = 0; s < count; s++) {
      Path f = dir.resolve(String.format("model-%05d-of-%05d.safetensors", s + 1, count));
      if (!Files.isRegularFile(f)) {
        write(f, s, bytesPerShard, seed + s);
      }
      total += Files.size(f);
    }
    return total;
  }

  private static void write(Path f, int shard, long bytes, long seed) throws IOException {
    int layers = 4;
    long perTensor = (bytes / layers) / 2 * 2;
    StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\",\"generator\":\"shardline demo\"}");
    long off = 0;
    for (int l = 0; l < layers; l++) {
      long elems = perTensor / 2;
      json.append(String.format(",\"model.layers.%d.mlp.weight_%d\":{\"dtype\":\"BF16\",\"shape\":[%d],\"data_offsets\":[%d,%d]}",
          shard * layers + l, l, elems, off, off + elems * 2));
      off += elems * 2;
    }
    json.append('}');
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    SplittableRandom rnd = new SplittableRandom(seed);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(header.length).put(header).flip();
      while (head.hasRemaining()) {
        ch.write(head);
      }
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      long left = off;
      while (left > 0) {
        buf.clear();
        int n = (int) Math.min(buf.capacity(), left);
        for (int i = 0; i < n; i += 2) {
          float v = (float) (rnd.nextGaussian() * 0.02);
          buf.putShort((short) (Float.floatToRawIntBits(v) >>> 16)); // BF16: top half of FP32
        }
        buf.flip();
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        left -= n;
      }
    }
    Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
