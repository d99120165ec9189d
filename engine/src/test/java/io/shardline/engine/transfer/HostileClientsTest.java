package io.shardline.engine.transfer;

import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecMask;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameCodec;
import io.shardline.engine.wire.Protocol;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Denial of service against {@code serve} (issue 17, defects 1 and 4), on 127.0.0.1: hostile
 * clients flood the node while a real pull runs; the pull completes, verified, and the direct
 * memory the JVM uses stays bounded. The hostile clients use JDK sockets, so the Netty direct
 * memory measured is the server's (and the real pull's).
 */
class HostileClientsTest extends LoopbackTestBase {
  private static final long MIB = 1024 * 1024;

  /**
   * Direct memory in use: the JDK's direct buffer pool, plus Netty's own counter when Netty
   * allocates without cleaners (outside that pool). When it allocates with cleaners, its buffers
   * are in the JDK's pool and its counter counts them too: adding both would count them twice.
   */
  static long directBytes() {
    long jdk = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        jdk = pool.getMemoryUsed();
      }
    }
    return PlatformDependent.useDirectBufferNoCleaner() ? jdk + Math.max(0, PlatformDependent.usedDirectMemory()) : jdk;
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

  /** A TLS client (JDK sockets, trusting any certificate) that sends {@code frames} and then never reads. */
  static SSLSocket neverReading(int port, List<Frame> frames) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(null, new TrustManager[] {new X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
      @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
      @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }}, null);
    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    s.startHandshake();
    OutputStream out = s.getOutputStream();
    for (Frame f : frames) {
      ByteBuf b = FrameCodec.encode(f, UnpooledByteBufAllocator.DEFAULT);
      try {
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        out.write(bytes);
      } finally {
        b.release();
      }
    }
    out.flush();
    return s;
  }

  /** HELLO with the token, then {@code gets} GETs of {@code length} bytes of {@code path}. */
  static List<Frame> helloAndGets(int lane, String path, int gets, int length) {
    List<Frame> frames = new ArrayList<>();
    frames.add(new Frame.Hello(Protocol.VERSION, lane, "t0k", CodecMask.of(CodecId.IDENTITY), 0));
    for (int i = 0; i < gets; i++) {
      frames.add(new Frame.Get(i + 1, path, (long) i * length, length, CodecMask.of(CodecId.IDENTITY)));
    }
    return frames;
  }

  @Test
  void neverReadingClientsStayWithinTheMemoryBudgetAndAPullStillCompletes() throws Exception {
    int chunk = 4 * (int) MIB;
    Loopback.file(net.root.resolve("slow.bin"), 64 * MIB, 173);
    Loopback.file(net.root.resolve("real/a.bin"), 8 * MIB, 174);
    Loopback.file(net.root.resolve("real/b.bin"), MIB + 5, 175);
    long budget = 32 * MIB;
    net.startWith(o -> o.token("t0k").memoryBudget(budget).slowReaderTimeoutMs(1_000));
    System.gc();
    long before = directBytes();
    List<SSLSocket> slow = new ArrayList<>();
    PullResult r;
    long peak;
    long held;
    try (PeakSampler sampler = new PeakSampler()) {
      try {
        // 12 clients x 8 GETs of 4 MiB and 4 clients x one 64 MiB GET (larger than the 16 MiB
        // lane window), none read: without a node budget the first 12 would each make their lane
        // hold its 16 MiB window (192 MiB), the others 64 MiB each (256 MiB more).
        for (int c = 0; c < 12; c++) {
          slow.add(neverReading(net.info.port(), helloAndGets(c + 1, "slow.bin", 8, chunk)));
        }
        for (int c = 0; c < 4; c++) {
          slow.add(neverReading(net.info.port(), helloAndGets(c + 13, "slow.bin", 1, 64 * (int) MIB)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (directBytes() - before < budget && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        held = directBytes() - before;
        System.out.printf("never-reading clients: direct memory by pool: chunks %d MiB, Netty default (TLS records) %d MiB%n",
            io.shardline.engine.wire.FrameSocket.ALLOC.metric().usedDirectMemory() / MIB,
            ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT).metric()
                .usedDirectMemory() / MIB);
        System.out.printf("never-reading clients: %d MiB of chunks reserved (budget %d MiB), direct memory %+d MiB%n",
            net.server.chunkMemoryUsed() / MIB, budget / MIB, held / MIB);
        r = net.pull(net.options("real", dest).token("t0k").lanes(4).chunkSize(256 * 1024).progressTimeoutMs(20_000));
      } finally {
        for (SSLSocket s : slow) {
          s.close();
        }
      }
      peak = sampler.peak.get();
    }
    long grew = peak - before;
    System.out.printf("never-reading clients: peak chunk memory %d MiB of a %d MiB budget, %d lanes closed as slow "
        + "readers, peak direct memory %+d MiB%n", net.server.chunkMemoryPeak() / MIB, budget / MIB,
        net.server.slowReadersClosed(), grew / MIB);
    assertTrue(r.ok(), () -> "the pull completes while never-reading clients hold the budget: " + r.errors());
    Loopback.assertSameTree(net.root.resolve("real"), dest);
    assertTrue(net.server.chunkMemoryPeak() <= budget, "chunk memory peaked at " + net.server.chunkMemoryPeak());
    // The budget, its TLS copy while it waits in Netty's outbound buffer, the real pull's own
    // buffers (4 lanes of 256 KiB chunks) and the pools' slack (measured: about +70 MiB); without
    // the budget the never-reading lanes alone hold 12 x 16 + 4 x 64 MiB of chunks.
    assertTrue(grew < 3 * budget + 32 * MIB, "direct memory grew by " + grew / MIB + " MiB");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (net.server.chunkMemoryUsed() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(net.server.chunkMemoryUsed() == 0, "every reservation is given back once the clients are gone: "
        + net.server.chunkMemoryUsed());
  }
}
