package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.storage.MemoryChunkSink;
import io.shardline.engine.storage.MemoryChunkSource;
import java.nio.file.Files;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The storage SPI is a real seam: a pull over loopback TLS from a server whose files live in
 * memory ({@code MemoryChunkSource}) into sinks in memory ({@code MemoryChunkSink}), through the
 * same lanes, codecs and verification as a disk-to-disk pull; no file is read or written.
 */
class MemorySeamTest extends LoopbackTestBase {
  @Test
  void aPullRunsFromAMemorySourceIntoMemorySinks() throws Exception {
    byte[] a = new byte[10 * 64 * 1024 + 17];
    byte[] b = new byte[3 * 64 * 1024];
    new SplittableRandom(3).nextBytes(a);
    new SplittableRandom(4).nextBytes(b); // b stays half zeros: compressible
    java.util.Arrays.fill(b, 0, b.length / 2, (byte) 0);
    MemoryChunkSource source = new MemoryChunkSource().put("m/a.bin", a).put("m/sub/b.bin", b).put("other.bin", b);
    ServeOptions o = new ServeOptions().root(net.root).host("127.0.0.1").port(0).stateDir(net.state).instances(2);
    net.server = new ShardlineServer(net.vertx, o, source);
    net.info = Loopback.await(net.server.start());

    MemoryChunkSink.Factory sinks = new MemoryChunkSink.Factory();
    PullResult r = net.pull(net.options("m", dest).sinks(sinks));
    assertTrue(r.ok(), r.errors()::toString);
    assertEquals(2, r.files());
    assertArrayEquals(a, sinks.published().get("a.bin"));
    assertArrayEquals(b, sinks.published().get("sub/b.bin"));
    assertEquals(2, sinks.published().size());
    assertTrue(sinks.begunAndEnded());
    assertFalse(Files.exists(dest), "nothing was written to the local destination");
  }
}
