package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Faults on the wire, through {@link FaultProxy}: every one is survived and the result is byte-identical. */
class FaultProxyTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;

  private PullOptions viaProxy(FaultProxy proxy) {
    return net.options("", dest).source(new ShardlineUrl("127.0.0.1", proxy.port(), "")).chunkSize(CHUNK)
        .compression(Compression.NONE).stallTimeoutMs(400);
  }

  @Test
  void plaintextBitFlipsAreAllCaughtByTheCrcAndOnlyTheBadChunksRefetched() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 40L * CHUNK + 9, 91);
    net.startWith(o -> o.plaintextForTestsOnly(true));
    try (FaultProxy proxy = FaultProxy.start(net.vertx, net.info.port())) {
      proxy.flipDataFrames.addAll(java.util.Set.of(2, 11, 23, 37));
      PullResult r = net.pull(viaProxy(proxy).plaintextForTestsOnly(true));
      assertTrue(r.ok(), r.errors()::toString);
      assertEquals(4, proxy.flipped.get(), "four payloads were hit");
      assertEquals(4, r.retriedChunks(), "each was caught by CRC32C and only that chunk fetched again");
      assertEquals(0, r.reconnects(), "a bad chunk does not cost the lane");
      Loopback.assertSameTree(net.root, dest);
    }
  }

  @Test
  void aFlippedByteUnderTlsEndsTheLaneAndItsChunksAreRefetched() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 60L * CHUNK, 92);
    net.start();
    try (FaultProxy proxy = FaultProxy.start(net.vertx, net.info.port())) {
      proxy.flipByteAt = 300_000;
      PullResult r = net.pull(viaProxy(proxy));
      assertTrue(r.ok(), r.errors()::toString);
      assertEquals(1, proxy.flipped.get());
      assertTrue(r.reconnects() >= 1, "the AEAD tag failed, the lane ended and reconnected");
      Loopback.assertSameTree(net.root, dest);
    }
  }

  @Test
  void aDroppedConnectionIsSurvived() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 60L * CHUNK, 93);
    net.start();
    try (FaultProxy proxy = FaultProxy.start(net.vertx, net.info.port())) {
      proxy.dropAfter = 500_000;
      PullResult r = net.pull(viaProxy(proxy));
      assertTrue(r.ok(), r.errors()::toString);
      assertEquals(1, proxy.dropped.get());
      assertTrue(r.reconnects() >= 1);
      Loopback.assertSameTree(net.root, dest);
    }
  }

  @Test
  void aStalledConnectionIsNoticedByTheWatchdog() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 60L * CHUNK, 94);
    net.start();
    try (FaultProxy proxy = FaultProxy.start(net.vertx, net.info.port())) {
      proxy.stallAfter = 400_000;
      PullResult r = net.pull(viaProxy(proxy));
      assertTrue(r.ok(), r.errors()::toString);
      assertEquals(1, proxy.stalled.get());
      assertTrue(r.reconnects() >= 1, "the stalled lane was closed and reconnected");
      Loopback.assertSameTree(net.root, dest);
    }
  }

  @Test
  void aManifestConnectionClosedMidHandshakeIsRetried() throws Exception {
    // A node under a flood evicts the oldest unauthenticated connection (HandshakeGate): for a
    // pull, that may be its first connection, the one that lists the manifest.
    Loopback.file(net.root.resolve("a.bin"), 20L * CHUNK, 95);
    net.start();
    try (FaultProxy proxy = FaultProxy.start(net.vertx, net.info.port())) {
      proxy.dropAfter = 200; // inside the server's first TLS flight
      PullResult r = net.pull(viaProxy(proxy));
      assertTrue(r.ok(), r.errors()::toString);
      assertEquals(1, proxy.dropped.get(), "the first connection was cut during its handshake");
      Loopback.assertSameTree(net.root, dest);
    }
  }
}
