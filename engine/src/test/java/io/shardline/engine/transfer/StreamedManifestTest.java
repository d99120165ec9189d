package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecSet;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.server.FaultHook;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.storage.LocalChunkSource;
import io.shardline.engine.storage.MemoryChunkSink;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Streamed manifests (protocol v4): a large file the server has not summed yet is listed without
 * its CRCs, its chunks flow while the server sums it, and the client publishes it only once its
 * complete manifest, listed again after the chunks, matches every chunk it received.
 */
class StreamedManifestTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;

  @Test
  void aColdLargeFileIsStreamedThenVerifiedAgainstItsCompleteManifest() throws Exception {
    Path src = Loopback.file(net.root.resolve("ckpt.bin"), 128L * CHUNK + 77, 91);
    net.startWith(o -> o.streamManifestsFrom(1024 * 1024));
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(1, r.streamedFiles(), "listed before the server had read it");
    assertEquals(-1L, Files.mismatch(src, dest.resolve("ckpt.bin")));
    ChunkSums.Computed sums = ChunkSums.compute(src, Files.size(src), CHUNK);
    assertEquals(RootDigest.hex(RootDigest.of(Files.size(src), CHUNK, sums.hashes())), r.digests().get("ckpt.bin"),
        "the published digest is the complete manifest's root");
    assertTrue(r.firstByteSeconds() >= 0 && r.firstByteSeconds() <= r.seconds(), () -> "" + r.firstByteSeconds());

    PullResult again = net.pull(net.options("", tmp.resolve("second")).chunkSize(CHUNK));
    assertTrue(again.ok(), again.errors()::toString);
    assertEquals(0, again.streamedFiles(), "summed once: the next listing is complete");
  }

  @Test
  void filesBelowTheThresholdAndClientsThatDoNotAskAreListedComplete() throws Exception {
    Loopback.file(net.root.resolve("small.bin"), 8L * CHUNK, 92);
    net.startWith(o -> o.streamManifestsFrom(1024 * 1024));
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(0, r.streamedFiles());
  }

  @Test
  void aStreamedFileModifiedMidPullIsNotPublished() throws Exception {
    Path src = Loopback.file(net.root.resolve("ckpt.bin"), 64L * CHUNK, 93);
    AtomicBoolean changed = new AtomicBoolean();
    net.startWith(o -> o.streamManifestsFrom(1024 * 1024).faultHook((path, off, lane, seq) -> {
      if (seq == 5 && changed.compareAndSet(false, true)) {
        overwrite(src, 40L * CHUNK);
      }
      return FaultHook.Action.PASS;
    }));
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK).lanes(1).window(1).compression(Compression.NONE));
    assertFalse(r.ok());
    assertEquals(1, r.streamedFiles());
    assertTrue(r.errors().toString().contains("changed on the source"), r.errors()::toString);
    assertFalse(Files.exists(dest.resolve("ckpt.bin")), "a mixed file is never published");

    PullResult again = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(again.ok(), again.errors()::toString);
    assertEquals(-1L, Files.mismatch(src, dest.resolve("ckpt.bin")), "the re-run gets the new version");
  }

  /** A source that lists every file streamed to clients that allow it, as if it were never summed. */
  private static final class AlwaysStreamed implements ChunkSource {
    private final ChunkSource real;

    AlwaysStreamed(ChunkSource real) {
      this.real = real;
    }

    @Override
    public List<FileManifest> list(String rel, int chunkSize) throws java.io.IOException {
      return real.list(rel, chunkSize);
    }

    @Override
    public List<FileManifest> list(String rel, int chunkSize, boolean stream) throws java.io.IOException {
      List<FileManifest> out = new java.util.ArrayList<>();
      for (FileManifest m : real.list(rel, chunkSize)) {
        out.add(stream ? FileManifest.streamed(m.path(), m.name(), m.size(), m.mtimeMillis(), chunkSize) : m);
      }
      return out;
    }

    @Override
    public Handle open(String rel, FileManifest expected) throws java.io.IOException {
      return real.open(rel, expected);
    }
  }

  @Test
  void aStreamedFileWithChunksFromAnEarlierRunWaitsForItsCompleteManifestAndResumes() throws Exception {
    Path src = Loopback.file(net.root.resolve("ckpt.bin"), 200L * CHUNK - 5, 95);
    AtomicBoolean open = new AtomicBoolean();
    ServeOptions o = new ServeOptions().root(net.root).host("127.0.0.1").port(0).stateDir(net.state).instances(2)
        .faultHook((path, off, lane, seq) -> open.get() || seq < 80 ? FaultHook.Action.PASS : FaultHook.Action.STALL);
    net.server = new ShardlineServer(net.vertx, o, new AlwaysStreamed(
        new LocalChunkSource(net.root, new ManifestCache(null), 1000)));
    net.info = Loopback.await(net.server.start());

    PullSession first = new PullSession(net.vertx, net.options("", dest).chunkSize(CHUNK));
    io.vertx.core.Future<PullResult> run = first.run();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (first.counters().chunks.sum() < 64 && System.nanoTime() < deadline) {
      Thread.sleep(10); // bounded by the deadline
    }
    first.cancel("test: the first run stops part-way");
    PullResult stopped = Loopback.await(run);
    assertFalse(stopped.ok());
    assertEquals(1, stopped.streamedFiles());
    assertTrue(stopped.chunks() >= 64, "the first run wrote " + stopped.chunks() + " chunks");
    assertFalse(Files.exists(dest.resolve("ckpt.bin")));

    open.set(true);
    PullResult r = net.pull(net.options("", dest).chunkSize(CHUNK));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(0, r.streamedFiles(), "listed again for its complete manifest before preparing");
    assertTrue(r.resumedChunks() >= 64, "resumed " + r.resumedChunks());
    assertEquals(200, r.resumedChunks() + r.chunks());
    assertEquals(-1L, Files.mismatch(src, dest.resolve("ckpt.bin")));
  }

  // -------------------------------------------------------------- settling, without a network

  /** Four chunks of a streamed file received into a memory sink; {@code settle} decides. */
  private static final class Received {
    final byte[] bytes = new byte[4 * CHUNK];
    final int[] crcs = new int[4];
    final MemoryChunkSink.Factory sinks = new MemoryChunkSink.Factory();
    final AtomicInteger finished = new AtomicInteger();
    final AtomicInteger settling = new AtomicInteger();
    final FileManifest listed = FileManifest.streamed("ckpt/a.bin", "a.bin", bytes.length, 1_700_000_000_000L, CHUNK);
    final FileTransfer ft;

    Received() throws Exception {
      new SplittableRandom(94).nextBytes(bytes);
      ChunkSink sink = sinks.open(listed);
      ft = new FileTransfer(sink, new BitSet(), new TransferCounters(), CodecSet.standard(1), t -> finished.incrementAndGet(),
          t -> settling.incrementAndGet());
      for (int i = 0; i < 4; i++) {
        crcs[i] = Crc32c.of(bytes, i * CHUNK, CHUNK);
        ByteBuf payload = Unpooled.directBuffer(CHUNK).writeBytes(bytes, i * CHUNK, CHUNK);
        ft.accept(i, CodecId.IDENTITY, CHUNK, crcs[i], payload);
      }
    }

    FileManifest complete(int[] sums) {
      return complete(sums, TestFiles.hashes(bytes, CHUNK));
    }

    FileManifest complete(int[] sums, byte[] hashes) {
      return FileManifest.of(listed.path(), "a.bin", listed.size(), listed.mtimeMillis(), CHUNK, sums, hashes);
    }
  }

  @Test
  void aStreamedFileWaitsForItsCompleteManifestAndPublishesWithIt() throws Exception {
    Received rx = new Received();
    assertEquals(1, rx.settling.get(), "every chunk in: the complete manifest is fetched");
    assertEquals(0, rx.finished.get(), "and nothing is published before it arrives");
    assertTrue(rx.sinks.published().isEmpty());

    rx.ft.settle(rx.complete(rx.crcs));
    assertFalse(rx.ft.failed(), () -> String.valueOf(rx.ft.failure()));
    assertEquals(1, rx.finished.get());
    assertTrue(java.util.Arrays.equals(rx.bytes, rx.sinks.published().get("a.bin")));
    assertFalse(rx.ft.manifest().streamed(), "the transfer now holds the complete manifest");
  }

  @Test
  void aCompleteManifestThatDisagreesWithAReceivedChunkFailsTheFile() throws Exception {
    Received rx = new Received();
    int[] other = rx.crcs.clone();
    other[2] ^= 1;
    rx.ft.settle(rx.complete(other));
    assertTrue(rx.ft.failed());
    assertEquals(ErrorCode.SOURCE_CHANGED, rx.ft.failure().code());
    assertTrue(rx.ft.failure().getMessage().contains("chunk 2"), rx.ft.failure()::getMessage);
    assertTrue(rx.sinks.published().isEmpty(), "nothing published");
  }

  @Test
  void aCompleteManifestWhoseChunkHashDisagreesFailsTheFileThoughEveryCrcMatches() throws Exception {
    Received rx = new Received();
    byte[] hashes = TestFiles.hashes(rx.bytes, CHUNK);
    hashes[3 * 32 + 5] ^= 1;
    rx.ft.settle(rx.complete(rx.crcs, hashes));
    assertTrue(rx.ft.failed());
    assertEquals(ErrorCode.SOURCE_CHANGED, rx.ft.failure().code());
    assertTrue(rx.ft.failure().getMessage().contains("chunk 3"), rx.ft.failure()::getMessage);
    assertTrue(rx.sinks.published().isEmpty(), "nothing published");
  }

  @Test
  void aCompleteManifestOfAnotherVersionFailsTheFile() throws Exception {
    for (FileManifest wrong : List.of(
        new FileManifest("ckpt/a.bin", "a.bin", 4L * CHUNK, 1_700_000_000_001L, CHUNK, new int[4], new byte[128],
            new byte[32]),
        new FileManifest("ckpt/b.bin", "a.bin", 4L * CHUNK, 1_700_000_000_000L, CHUNK, new int[4], new byte[128],
            new byte[32]),
        FileManifest.streamed("ckpt/a.bin", "a.bin", 4L * CHUNK, 1_700_000_000_000L, CHUNK))) {
      Received rx = new Received();
      rx.ft.settle(wrong);
      assertTrue(rx.ft.failed(), wrong::toString);
      assertEquals(ErrorCode.SOURCE_CHANGED, rx.ft.failure().code());
      assertTrue(rx.sinks.published().isEmpty());
    }
  }

  private static void overwrite(Path file, long at) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      byte[] b = new byte[CHUNK];
      new SplittableRandom(7).nextBytes(b);
      f.seek(at);
      f.write(b);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
