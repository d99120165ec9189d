package io.shardline.engine.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.delta.DeltaPlan.Local;
import io.shardline.engine.delta.DeltaPlan.Piece;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * What content-defined chunking costs and saves. Not a unit test: skipped unless
 * {@code -Dshardline.bench=cdc}.
 *
 * <p>Cost: 128 MiB of random bytes in memory, 5 passes each (best and median reported, GB/s =
 * 10^9 B/s) of (a) the chunker alone ({@link GearChunker#next} over the array), (b) the one-byte
 * reference loop of the same rules, for comparison, (c) the segment hash alone over 64 KiB
 * pieces, (d) chunker + hash ({@link Segmenter} from heap {@code ByteBuffer}s of 4 MiB), (e) the
 * same from direct buffers; then (f) {@link SegmentIndex#of(FileChannel, long, long)} of the real
 * weights file (page cache warm). Run once as it is (C2) and once with C1 only, as the pulling
 * client runs:
 * <pre>
 * ./mvnw -B -q -pl picocli,engine -am verify -Dtest=DeltaCdcBench -Dshardline.bench=cdc -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsurefire.argLine="-Xmx2g" [-Dsurefire.argLine="-Xmx2g -XX:TieredStopAtLevel=1"] -Dshardline.bench.bert=/tmp/bert
 * </pre>
 *
 * <p>Savings, on real weights ({@code shardline.bench.bert}: a folder made by
 * {@code perf/bench/bert/make-bert.sh}; skipped without it): {@code bert-fp32.safetensors}
 * (440 MB) as the base and two next versions: the header grown by 100 bytes (every tensor
 * shifted), and 5% of the data updated in place as whole BERT-base tensors would be (runs of
 * 768×768 FP32 values, 2.36 MB each, at random offsets, every value scaled by 1 + 1e-3·N(0,1)).
 * Each 4 MiB chunk of the new version is planned against the base's index (default
 * {@link DeltaPlan#DEFAULT_MERGE_GAP}), assembled and compared; reported: the fraction of bytes
 * fetched and the number of ranges.
 */
class DeltaCdcBench {
  private static final int MIB = 1 << 20;

  @Test
  void cdc() throws Exception {
    assumeTrue("cdc".equals(System.getProperty("shardline.bench")), "a benchmark: -Dshardline.bench=cdc");
    String jit = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel=1")) ? "C1" : "C2";
    System.out.println("delta bench: JIT " + jit + ", Java " + Runtime.version() + ", hash " + SegmentHash.implementation());
    byte[] data = DeltaData.random(128 * MIB, 1);
    rate("chunker (two bytes per step)", data.length, () -> {
      GearChunker c = new GearChunker();
      int off = 0;
      long n = 0;
      while (off < data.length) {
        int t = c.next(data, off, data.length - off);
        if (t < 0) {
          break;
        }
        off += t;
        n++;
      }
      return n;
    });
    rate("one-byte reference loop", data.length,
        () -> GearReference.lengths(data, GearChunker.DEFAULT_MIN, GearChunker.DEFAULT_AVG, GearChunker.DEFAULT_MAX).size());
    rate("segment hash, 64 KiB pieces", data.length, () -> {
      long h = 0;
      for (int off = 0; off < data.length; off += 65536) {
        h += SegmentHash.of(data, off, 65536);
      }
      return h;
    });
    for (boolean direct : new boolean[] {false, true}) {
      ByteBuffer block = direct ? ByteBuffer.allocateDirect(4 * MIB) : ByteBuffer.allocate(4 * MIB);
      rate("chunker + hash, " + (direct ? "direct" : "heap") + " 4 MiB buffers", data.length, () -> {
        Segmenter s = new Segmenter(new GearChunker(), 0);
        for (int off = 0; off < data.length; off += block.capacity()) {
          block.clear();
          block.put(data, off, block.capacity()).flip();
          s.update(block);
        }
        return s.finish().size();
      });
    }
    String bert = System.getProperty("shardline.bench.bert");
    if (bert == null || !Files.isRegularFile(Path.of(bert, "bert-fp32.safetensors"))) {
      System.out.println("delta bench: no real weights (-Dshardline.bench.bert=DIR from perf/bench/bert/make-bert.sh)");
      return;
    }
    Path file = Path.of(bert, "bert-fp32.safetensors");
    byte[] base = Files.readAllBytes(file);
    SegmentIndex[] baseIndex = new SegmentIndex[1];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      rate("index of " + file.getFileName() + " from its channel", base.length, () -> {
        baseIndex[0] = SegmentIndex.of(ch, 0, ch.size());
        return baseIndex[0].size();
      });
    }
    System.out.printf("delta bench: %s: %d segments, mean %.0f B%n", file.getFileName(), baseIndex[0].size(),
        (double) base.length / baseIndex[0].size());
    savings("header +100 bytes", base, baseIndex[0], headerGrown(base, 100));
    savings("5% of tensors updated", base, baseIndex[0], tensorsUpdated(base, 0.05, 768 * 768, 7));
    savings("one byte changed", base, baseIndex[0], oneByte(base, 8));
  }

  private static void savings(String what, byte[] base, SegmentIndex baseIndex, byte[] now) {
    SegmentIndex served = SegmentIndex.of(now);
    long remote = 0;
    long ranges = 0;
    int chunk = 4 * MIB;
    for (long off = 0; off < now.length; off += chunk) {
      int len = (int) Math.min(chunk, now.length - off);
      DeltaPlan plan = DeltaPlan.of(served.covering(off, off + len), off, len, baseIndex);
      byte[] out = new byte[len];
      for (Piece p : plan.pieces()) {
        int at = (int) (p.offset() - off);
        if (p instanceof Local l) {
          System.arraycopy(base, (int) l.baseOffset(), out, at, l.length());
        } else {
          System.arraycopy(now, (int) p.offset(), out, at, p.length());
        }
      }
      assertArrayEquals(Arrays.copyOfRange(now, (int) off, (int) off + len), out);
      remote += plan.remoteBytes();
      ranges += plan.remoteRanges();
    }
    System.out.printf("delta bench: %-24s remote %,d of %,d bytes = %.3f%% in %d ranges%n", what, remote, now.length,
        100.0 * remote / now.length, ranges);
  }

  /** The safetensors header padded with {@code grow} more spaces (its length field raised): every tensor moves. */
  static byte[] headerGrown(byte[] st, int grow) {
    long headerLen = ByteBuffer.wrap(st, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    byte[] out = new byte[st.length + grow];
    ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLen + grow);
    int end = (int) (8 + headerLen);
    System.arraycopy(st, 8, out, 8, end - 8);
    Arrays.fill(out, end, end + grow, (byte) ' ');
    System.arraycopy(st, end, out, end + grow, st.length - end);
    return out;
  }

  /** Runs of {@code tensorFloats} FP32 values, {@code fraction} of the data in all, each value scaled by 1 + 1e-3·N(0,1). */
  static byte[] tensorsUpdated(byte[] st, double fraction, int tensorFloats, long seed) {
    long headerLen = ByteBuffer.wrap(st, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    int data = (int) (8 + headerLen);
    byte[] out = st.clone();
    ByteBuffer f = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom r = new SplittableRandom(seed);
    int tensorBytes = 4 * tensorFloats;
    int slots = (st.length - data) / tensorBytes;
    int updates = (int) Math.round(fraction * (st.length - data) / tensorBytes);
    boolean[] taken = new boolean[slots];
    for (int u = 0; u < updates; ) {
      int slot = r.nextInt(slots);
      if (taken[slot]) {
        continue;
      }
      taken[slot] = true;
      u++;
      for (int i = 0; i < tensorFloats; i++) {
        int at = data + slot * tensorBytes + 4 * i;
        f.putFloat(at, (float) (f.getFloat(at) * (1 + 1e-3 * gaussian(r))));
      }
    }
    return out;
  }

  private static byte[] oneByte(byte[] st, long seed) {
    byte[] out = st.clone();
    out[new SplittableRandom(seed).nextInt(out.length / 2, out.length)] ^= 1;
    return out;
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /**
   * Best and median of 5 passes of {@code work} over {@code bytes} bytes, by this thread's CPU
   * time (the machine is shared: wall time measures the neighbours), and the median by wall time.
   */
  private static void rate(String what, long bytes, Callable<Object> work) throws Exception {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double[] cpu = new double[5];
    double[] wall = new double[5];
    Object sink = null;
    work.call(); // warm-up pass
    for (int i = 0; i < cpu.length; i++) {
      long c0 = mx.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      sink = work.call();
      wall[i] = bytes / (double) (System.nanoTime() - t0);
      cpu[i] = bytes / (double) (mx.getCurrentThreadCpuTime() - c0);
    }
    Arrays.sort(cpu);
    Arrays.sort(wall);
    System.out.printf("delta bench: %-44s CPU time: best %.2f GB/s, median %.2f GB/s; wall median %.2f GB/s (%s)%n",
        what, cpu[4], cpu[2], wall[2], sink);
  }
}
