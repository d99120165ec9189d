package io.shardline.engine.s3;

import io.shardline.engine.testutil.TestFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.engine.testutil.CliChild;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import io.netty.buffer.PooledByteBufAllocator;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.ChunkSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * How fast {@code serve --root s3://} feeds a pull to local disk, beside the same SDK reading the
 * same object in the same run. Workload: one object of {@code shardline.bench.mib} MiB (default
 * 256) of random bytes in an S3Proxy process ({@link S3TestServer}); three rounds of (a) the peer,
 * {@link S3GetPeer} (one whole-object GET to a file, what {@code aws s3 cp} does for one object,
 * in a child JVM with the CLI's flags), (b) {@code pull shardline://...} from a {@code serve --root
 * s3://} child into a fresh local folder (manifests cached by a first, untimed pull); medians of
 * the three; and (c) the same pull of the same bytes from a {@code serve} of a local folder (what
 * the pipeline reaches without a store on this machine). The pull's rate is its own
 * {@code seconds}; the peer's is timed inside its JVM. Then the source alone, no lanes:
 * {@link #sourceReads} with and without read-ahead. First,
 * a probe of where a chunk's time goes: 4 MiB ranged GETs one at a time, with and without
 * {@code If-Match}, and 8 in flight. Skipped unless {@code -Dshardline.bench=s3}:
 * {@code ./mvnw -B -q -pl engine -am test -Dtest=S3ReadRateBench -Dshardline.bench=s3 -Dsurefire.failIfNoSpecifiedTests=false}
 */
class S3ReadRateBench {
  @TempDir
  Path tmp;

  @Test
  void pullFromS3BesideTheSdksOwnRead() throws Exception {
    assumeTrue("s3".equals(System.getProperty("shardline.bench")), "a benchmark: -Dshardline.bench=s3");
    long size = Long.getLong("shardline.bench.mib", 256) * 1024 * 1024 + 3;
    int rounds = Integer.getInteger("shardline.bench.rounds", 3);
    try (S3TestServer server = S3TestServer.start(S3TestServer.Kind.S3PROXY, tmp);
        S3Client s3 = server.client()) {
      s3.createBucket(b -> b.bucket("bench"));
      Path local = tmp.resolve("big.bin");
      byte[] sha;
      try (OutputStream out = Files.newOutputStream(local)) {
        sha = TestFiles.generate(out, size, 41);
      }
      s3.putObject(b -> b.bucket("bench").key("src/big.bin"), RequestBody.fromFile(local));
      String etag = s3.headObject(b -> b.bucket("bench").key("src/big.bin")).eTag();
      probe(s3, size, etag);
      for (int readAhead : new int[] {0, S3ChunkSource.READ_AHEAD_BYTES, 0, S3ChunkSource.READ_AHEAD_BYTES}) {
        sourceReads(s3, readAhead);
      }

      Map<String, String> env = server.env(tmp, server.accessKey, server.secretKey);
      try (CliChild serve = CliChild.start(tmp.resolve("serve.log"), env, "serve", "--root", "s3://bench/src",
          "--s3-endpoint", server.endpoint.toString(), "--listen", "127.0.0.1:0", "--state-dir",
          tmp.resolve("serve-state").toString());
          CliChild serveLocal = CliChild.start(tmp.resolve("serve-local.log"), Map.of(), "serve", "--root",
              tmp.toString(), "--listen", "127.0.0.1:0", "--state-dir", tmp.resolve("serve-local-state").toString())) {
        String[] portFp = serve.banner();
        String[] localFp = serveLocal.banner();
        pull(portFp, tmp.resolve("warm"), "warm"); // sums the object once: the timed pulls read chunks only
        pull(localFp, tmp.resolve("warm-local"), "warm-local");
        List<Double> peer = new ArrayList<>();
        List<Double> ours = new ArrayList<>();
        List<Double> fromDisk = new ArrayList<>();
        List<Double> oursWall = new ArrayList<>();
        List<Double> cliWall = new ArrayList<>();
        List<Double> oursCpu = new ArrayList<>();
        List<Double> cliCpu = new ArrayList<>();
        List<String> cpuSplit = new ArrayList<>();
        Path aws = awsCli();
        for (int r = 0; r < rounds; r++) {
          Path plain = tmp.resolve("plain" + r + ".bin");
          try (CliChild p = CliChild.startMain(tmp.resolve("peer" + r + ".log"), env, S3GetPeer.class.getName(),
              server.endpoint.toString(), "bench", "src/big.bin", plain.toString())) {
            assertEquals(0, p.await(600), p.output());
            double s = Double.parseDouble(p.output().lines().filter(l -> l.startsWith("seconds ")).findFirst()
                .orElseThrow().substring(8));
            peer.add(size / s / 1e6);
          }
          Files.delete(plain);
          if (aws != null) { // aws s3 cp as the user runs it: wall clock, its process's CPU, the store's
            double[] cpu0 = {childrenCpu(), cpu(server.pid())};
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(aws.toString(), "s3", "cp", "--only-show-errors", "--endpoint-url",
                server.endpoint.toString(), "s3://bench/src/big.bin", plain.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("aws" + r + ".log").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
            pb.environment().putAll(env);
            pb.environment().put("AWS_DEFAULT_REGION", "us-east-1");
            Process p = pb.start();
            p.getOutputStream().close();
            assertEquals(0, p.waitFor(), Files.readString(tmp.resolve("aws" + r + ".log")));
            cliWall.add(size / ((System.nanoTime() - t0) / 1e9) / 1e6);
            cliCpu.add((childrenCpu() - cpu0[0] + cpu(server.pid()) - cpu0[1]) / (size / 1e9));
            assertEquals(size, Files.size(plain));
            Files.delete(plain);
          }
          Path dest = tmp.resolve("dest" + r);
          double[] cpu0 = {childrenCpu(), cpu(serve.process.pid()), cpu(server.pid())};
          long t0 = System.nanoTime();
          ours.add(pull(portFp, dest, "pull" + r));
          oursWall.add(size / ((System.nanoTime() - t0) / 1e9) / 1e6);
          double[] used = {childrenCpu() - cpu0[0], cpu(serve.process.pid()) - cpu0[1], cpu(server.pid()) - cpu0[2]};
          oursCpu.add((used[0] + used[1] + used[2]) / (size / 1e9));
          cpuSplit.add(String.format("pull %.2f, serve %.2f, store %.2f CPU-s", used[0], used[1], used[2]));
          try (InputStream in = Files.newInputStream(dest.resolve("big.bin"))) {
            assertArrayEquals(sha, TestFiles.sha256(in));
          }
          Files.delete(dest.resolve("big.bin"));
          Path local2 = tmp.resolve("fromdisk" + r);
          double[] local0 = {childrenCpu(), cpu(serveLocal.process.pid())};
          fromDisk.add(pull(localFp, local2, "pull-local" + r));
          cpuSplit.set(r, cpuSplit.get(r) + String.format("; from local disk: pull %.2f, serve %.2f CPU-s",
              childrenCpu() - local0[0], cpu(serveLocal.process.pid()) - local0[1]));
          Files.delete(local2.resolve("big.bin"));
          System.out.printf("S3 read round %d: pull %.1f MB/s (wall clock %.1f, %.1f CPU-s/GB with serve and store: %s),"
              + " SDK GET %.1f MB/s, %s, same pull from local disk %.1f MB/s%n", r + 1, ours.get(r), oursWall.get(r),
              oursCpu.get(r), cpuSplit.get(r), peer.get(r), aws == null ? "no aws CLI" : String.format("aws s3 cp %.1f MB/s wall clock"
                  + " (%.1f CPU-s/GB with the store)", cliWall.get(r), cliCpu.get(r)), fromDisk.get(r));
        }
        double o = median(ours);
        double p = median(peer);
        System.out.printf("S3 read, %d MiB object, medians of %d: pull from serve --root s3:// %.1f MB/s, SDK GET"
            + " %.1f MB/s, ratio %.2f (pull rounds %s, peer rounds %s); the same pull from a local disk %.1f MB/s"
            + " (%.2f of the SDK GET: the pipeline's own ceiling on this machine)%n", size >> 20, rounds, o, p, o / p,
            ours, peer, median(fromDisk), median(fromDisk) / p);
        if (aws != null) {
          System.out.printf("S3 read, wall clock with process start: pull %.1f MB/s (%.1f CPU-s/GB: pull, serve and"
              + " store), aws s3 cp %.1f MB/s (%.1f CPU-s/GB: aws and store), ratio %.2f; machine: %d cores%n",
              median(oursWall), median(oursCpu), median(cliWall), median(cliCpu), median(oursWall) / median(cliWall),
              Runtime.getRuntime().availableProcessors());
        }
      }
    }
  }

  /** The aws CLI ({@code awscli} from Debian, or on PATH), or null. */
  private static Path awsCli() {
    for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin").split(":")) {
      Path aws = Path.of(dir.isEmpty() ? "." : dir, "aws");
      if (Files.isExecutable(aws)) {
        try {
          Process p = new ProcessBuilder(aws.toString(), "--version").redirectErrorStream(true).start();
          p.getInputStream().readAllBytes();
          if (p.waitFor() == 0) {
            return aws;
          }
        } catch (IOException | InterruptedException e) {
          // not a working CLI (a shim without an installation): try the next one
        }
      }
    }
    return null;
  }

  /** CPU seconds (user + system) of the process {@code pid}, from /proc. */
  private static double cpu(long pid) throws IOException {
    return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")), 13, 14);
  }

  /** CPU seconds of this JVM's children that have ended and been waited for (cutime + cstime). */
  private static double childrenCpu() throws IOException {
    return ticks(Files.readString(Path.of("/proc/self/stat")), 15, 16);
  }

  /** Fields {@code a} and {@code b} (0-based, counting the pid as 0) of a /proc stat line, in seconds at 100 Hz. */
  private static double ticks(String stat, int a, int b) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 2, the state
    return (Long.parseLong(f[a - 2]) + Long.parseLong(f[b - 2])) / 100.0;
  }

  private double pull(String[] portFp, Path dest, String name) throws Exception {
    try (CliChild pull = CliChild.start(tmp.resolve(name + ".log"), Map.of(), "pull",
        "shardline://127.0.0.1:" + portFp[0] + "/big.bin", dest.toString(), "--trust", portFp[1], "--json")) {
      assertEquals(0, pull.await(900), pull.output());
      JsonObject j = new JsonObject(pull.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
          .orElseThrow());
      return j.getLong("bytes") / j.getDouble("seconds") / 1e6;
    }
  }

  /**
   * The source alone, no lanes: every chunk of the object read through one {@link S3ChunkSource}
   * handle by 8 threads taking chunks in order (the server's disk workers), with and without read-ahead.
   */
  private static void sourceReads(S3Client s3, int readAhead) throws Exception {
    S3ChunkSource source = new S3ChunkSource(s3, S3Location.parse("s3://bench/src"), "bench",
        new ManifestCache(null), 10, readAhead);
    FileManifest m = source.list("big.bin", 4 << 20).get(0);
    AtomicInteger nextChunk = new AtomicInteger();
    long t0 = System.nanoTime();
    try (ChunkSource.Handle h = source.open("big.bin", m)) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        fs.add(pool.submit(() -> {
          for (int i; (i = nextChunk.getAndIncrement()) < m.chunkCount(); ) {
            h.read(m.chunkOffset(i), m.chunkLength(i), PooledByteBufAllocator.DEFAULT).bytes().release();
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      pool.shutdown();
    }
    System.out.printf("S3 source alone (8 threads reading chunks in order through one handle), read-ahead %d MiB:"
        + " %.1f MB/s%n", readAhead >> 20, m.size() / ((System.nanoTime() - t0) / 1e9) / 1e6);
  }

  /** Where a chunk's time goes on this store: ranged GETs one at a time, with and without If-Match, and 8 in flight. */
  private static void probe(S3Client s3, long size, String etag) throws Exception {
    int chunk = 4 << 20;
    int n = (int) Math.min(16, size / chunk);
    for (int pass = 0; pass < 2; pass++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long off = (long) i * chunk;
        s3.getObjectAsBytes(b -> b.bucket("bench").key("src/big.bin").range("bytes=" + off + "-" + (off + chunk - 1)));
      }
      double plain = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long off = (long) i * chunk;
        s3.getObjectAsBytes(b -> b.bucket("bench").key("src/big.bin").range("bytes=" + off + "-" + (off + chunk - 1))
            .ifMatch(etag));
      }
      double ifMatch = (System.nanoTime() - t0) / 1e9;
      ExecutorService pool = Executors.newFixedThreadPool(8);
      t0 = System.nanoTime();
      List<Future<ResponseBytes<GetObjectResponse>>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long off = (long) i * chunk;
        fs.add(pool.submit(() -> s3.getObjectAsBytes(b -> b.bucket("bench").key("src/big.bin")
            .range("bytes=" + off + "-" + (off + chunk - 1)).ifMatch(etag))));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      double parallel = (System.nanoTime() - t0) / 1e9;
      pool.shutdown();
      t0 = System.nanoTime();
      try (InputStream in = s3.getObject(b -> b.bucket("bench").key("src/big.bin"))) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      double whole = (System.nanoTime() - t0) / 1e9;
      System.out.printf("S3 probe pass %d: %d ranged GETs of 4 MiB: %.1f ms each (%.1f MB/s), with If-Match %.1f ms"
          + " each (%.1f MB/s), 8 in flight %.1f MB/s; whole object GET %.1f MB/s%n", pass, n, plain * 1e3 / n,
          n * (double) chunk / plain / 1e6, ifMatch * 1e3 / n, n * (double) chunk / ifMatch / 1e6,
          n * (double) chunk / parallel / 1e6, size / whole / 1e6);
    }
  }



  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
