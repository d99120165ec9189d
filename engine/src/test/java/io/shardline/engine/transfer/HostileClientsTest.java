package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Denial of service against {@code serve} (issue 17, defect 1), on 127.0.0.1: hostile
 * clients flood the node while a real pull runs; the pull completes, verified, and the direct
 * memory the JVM uses stays bounded. The hostile clients use plain JDK sockets, so the Netty direct
 * memory measured is the server's (and the real pull's).
 */
class HostileClientsTest extends LoopbackTestBase {
  private static final long MIB = 1024 * 1024;

  /** Direct memory in use: Netty's own counter (when it allocates without cleaners) plus the JDK's. */
  static long directBytes() {
    long netty = Math.max(0, PlatformDependent.usedDirectMemory());
    long jdk = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        jdk = pool.getMemoryUsed();
      }
    }
    return netty + jdk;
  }

  /** Samples {@link #directBytes()} every 10 ms on its own thread and keeps the peak. */
  static final class PeakSampler implements AutoCloseable {
    final AtomicLong peak = new AtomicLong(directBytes());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread = new Thread(() -> {
      while (!stop.get()) {
        peak.accumulateAndGet(directBytes(), Math::max);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "direct-memory-sampler");

    PeakSampler() {
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(5_000);
    }
  }

  /** The first 32 bytes of a TLS ClientHello: a record announcing 512 bytes that never come. */
  static byte[] clientHelloStart() {
    byte[] b = new byte[32];
    b[0] = 0x16; // handshake record
    b[1] = 0x03;
    b[2] = 0x01;
    b[3] = 0x02; // record length 512
    b[4] = 0x00;
    b[5] = 0x01; // ClientHello
    b[6] = 0x00;
    b[7] = 0x01;
    b[8] = (byte) 0xFC; // handshake length 508
    b[9] = 0x03;
    b[10] = 0x03; // legacy version TLS 1.2, then the start of the random
    for (int i = 11; i < 32; i++) {
      b[i] = (byte) (i * 37);
    }
    return b;
  }

  /**
   * Keeps {@code size} TCP connections open to the server, each having sent the start of a
   * ClientHello and then nothing; every second it replaces the 10 oldest (whether or not the server
   * closed) by new ones, so the flood is renewed while it runs (10 new connections a second). Runs on its own thread.
   */
  static final class Flood implements AutoCloseable {
    final AtomicInteger opened = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ArrayDeque<Socket> open = new ArrayDeque<>();
    private final Thread thread;

    Flood(int port, int size) {
      byte[] hello = clientHelloStart();
      thread = new Thread(() -> {
        for (int round = 0; !stop.get() && round < 1_000; round++) {
          for (int i = 0; i < 10 && open.size() >= size; i++) {
            closeQuietly(open.pollFirst());
          }
          while (open.size() < size && !stop.get()) {
            Socket s = new Socket();
            try {
              s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
              OutputStream out = s.getOutputStream();
              out.write(hello);
              out.flush();
              open.addLast(s);
              opened.incrementAndGet();
            } catch (IOException e) {
              closeQuietly(s);
              break; // refused or reset: try again next round
            }
          }
          try {
            Thread.sleep(1_000);
          } catch (InterruptedException e) {
            break;
          }
        }
        open.forEach(Flood::closeQuietly);
      }, "pre-handshake-flood");
      thread.setDaemon(true);
      thread.start();
    }

    private static void closeQuietly(Socket s) {
      try {
        if (s != null) {
          s.close();
        }
      } catch (IOException ignored) {
        // closing a dead socket
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
    }
  }

  @Test
  void aPreHandshakeFloodCostsKilobytesAndAPullStillCompletes() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 8 * MIB, 171);
    Loopback.file(net.root.resolve("b.bin"), 3 * MIB + 17, 172);
    net.startWith(o -> o.token("t0k"));
    System.gc();
    long before = directBytes();
    int size = 240;
    PullResult r;
    long peak;
    int flooded;
    try (PeakSampler sampler = new PeakSampler(); Flood flood = new Flood(net.info.port(), size)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (flood.opened.get() < size && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long held = directBytes() - before;
      System.out.printf("pre-handshake flood: %d connections opened, direct memory %+d KiB (%.1f KiB each)%n",
          flood.opened.get(), held / 1024, held / 1024.0 / Math.max(1, flood.opened.get()));
      r = net.pull(net.options("", dest).token("t0k").lanes(4).chunkSize(256 * 1024).progressTimeoutMs(20_000));
      flooded = flood.opened.get();
      peak = sampler.peak.get();
    }
    long grew = peak - before;
    System.out.printf("pre-handshake flood: %d connections over the test, peak direct memory %+d KiB%n",
        flooded, grew / 1024);
    assertTrue(flooded >= size, "the flood opened " + flooded);
    assertTrue(r.ok(), () -> "the pull completes during the flood: " + r.errors());
    Loopback.assertSameTree(net.root, dest);
    // 240 stalled handshakes used to hold a 4 MiB receive buffer each (960 MiB); now they cost
    // kilobytes, and the pull's own buffers (4 lanes, 256 KiB chunks, pooled) stay well under 64 MiB.
    assertTrue(grew < 64 * MIB, "direct memory grew by " + grew / MIB + " MiB during the flood");
  }
}
