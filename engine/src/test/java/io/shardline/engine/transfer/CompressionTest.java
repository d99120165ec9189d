package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.sample.SampleShards;
import io.shardline.engine.server.FaultHook;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Compressed pulls over loopback TLS: codec choice, wire ratio, repair, rate limits. */
class CompressionTest extends LoopbackTestBase {
  static final int CHUNK = 1 << 20;

  private PullResult pull(String path, Compression c) throws Exception {
    PullResult r = net.pull(net.options(path, dest.resolve(c.name())).chunkSize(CHUNK).compression(c));
    assertTrue(r.ok(), r.errors()::toString);
    Loopback.assertSameTree(net.root.resolve(path), dest.resolve(c.name()));
    return r;
  }

  @Test
  void eachModeOnBf16Shards() throws Exception {
    SampleShards.generate(net.root.resolve("bf16"), 2, 4L * CHUNK, 7);
    net.start();
    PullResult none = pull("bf16", Compression.NONE);
    PullResult zstd = pull("bf16", Compression.ZSTD);
    PullResult planes = pull("bf16", Compression.PLANES);
    assertEquals(none.chunks(), none.codecChunks()[0], "none sends every chunk as it is");
    assertTrue(none.ratio() <= 1.0);
    assertTrue(zstd.codecChunks()[1] > 0 && zstd.codecChunks()[2] == 0, "zstd mode uses zstd");
    assertTrue(planes.codecChunks()[2] > 0, "planes mode uses byte planes for BF16 tensors");
    assertTrue(zstd.ratio() > 1.05, "zstd shrinks BF16: " + zstd.ratio());
    assertTrue(planes.ratio() > zstd.ratio(), "planes beat zstd on BF16: " + planes.ratio() + " vs " + zstd.ratio());
    assertTrue(planes.wireBytes() < none.wireBytes());
  }

  @Test
  void autoSendsIncompressibleDataAsItIs() throws Exception {
    Loopback.file(net.root.resolve("random/r.bin"), 6L * CHUNK + 5, 3);
    net.start();
    PullResult auto = pull("random", Compression.AUTO);
    assertEquals(auto.chunks(), auto.codecChunks()[0], "random data never goes compressed");
  }

  @Test
  void autoCompressesOnASlowLink() throws Exception {
    SampleShards.generate(net.root.resolve("bf16"), 1, 8L * CHUNK, 8);
    net.start();
    PullResult r = net.pull(net.options("bf16", dest).chunkSize(CHUNK).compression(Compression.AUTO)
        .rateLimit(16_000_000));
    assertTrue(r.ok(), r.errors()::toString);
    assertTrue(r.codecChunks()[2] > r.chunks() / 2, "on a 16 MB/s link most chunks go as planes: "
        + java.util.Arrays.toString(r.codecChunks()));
    assertTrue(r.ratio() > 1.05, "ratio " + r.ratio());
  }

  @Test
  void corruptedCompressedChunkIsRepaired() throws Exception {
    SampleShards.generate(net.root.resolve("bf16"), 1, 4L * CHUNK, 9);
    AtomicInteger hit = new AtomicInteger();
    net.start(null, (path, off, lane, seq) -> seq == 2 && hit.incrementAndGet() == 1
        ? FaultHook.Action.CORRUPT : FaultHook.Action.PASS);
    PullResult r = pull("bf16", Compression.PLANES);
    assertEquals(1, hit.get());
    assertEquals(1, r.retriedChunks(), "the corrupted chunk alone is fetched again");
  }

  @Test
  void rateLimitOnPullHoldsTheRate() throws Exception {
    Loopback.file(net.root.resolve("r.bin"), 16L * CHUNK, 4);
    net.start();
    long t0 = System.nanoTime();
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).compression(Compression.NONE).rateLimit(40_000_000));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(r.ok(), r.errors()::toString);
    // 16.8 MB at 40 MB/s, less a 4 MiB burst: at least 0.3 s (a lower bound only: never flaky).
    assertTrue(seconds >= 0.3, "took " + seconds + " s");
  }

  @Test
  void rateLimitOnServeHoldsTheRate() throws Exception {
    Loopback.file(net.root.resolve("r.bin"), 16L * CHUNK, 5);
    net.startWith(o -> o.rateLimit(40_000_000));
    long t0 = System.nanoTime();
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).compression(Compression.NONE));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(r.ok(), r.errors()::toString);
    assertTrue(seconds >= 0.3, "took " + seconds + " s");
  }
}
