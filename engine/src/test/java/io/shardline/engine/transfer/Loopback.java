package io.shardline.engine.transfer;

import io.shardline.engine.server.FaultHook;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.tls.Trust;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Test harness: a server on 127.0.0.1:0 with a self-signed certificate, and pulls against it. */
final class Loopback implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final Path root;
  final Path state;
  ShardlineServer server;
  ShardlineServer.Info info;

  Loopback(Path tmp) throws IOException {
    this.root = Files.createDirectories(tmp.resolve("root"));
    this.state = tmp.resolve("state");
  }

  Loopback start(String token, FaultHook hook) throws Exception {
    return startWith(o -> o.token(token).faultHook(hook));
  }

  /** Starts a server with default test options, adjusted by {@code tune}. */
  Loopback startWith(java.util.function.Consumer<ServeOptions> tune) throws Exception {
    ServeOptions o = new ServeOptions().root(root).host("127.0.0.1").port(0).stateDir(state).instances(2);
    tune.accept(o);
    server = new ShardlineServer(vertx, o);
    info = await(server.start());
    return this;
  }

  Loopback start() throws Exception {
    return start(null, FaultHook.NONE);
  }

  PullOptions options(String path, Path dest) {
    return new PullOptions()
        .source(new ShardlineUrl("127.0.0.1", info.port(), path))
        .destination(dest)
        .lanes(4)
        .chunkSize(64 * 1024)
        .trust(new Trust.Pinned(info.fingerprint()))
        .stallTimeoutMs(2_000)
        .progressTimeoutMs(20_000)
        .connectTimeoutMs(5_000);
  }

  PullResult pull(PullOptions o) throws Exception {
    return await(new PullSession(vertx, o).run());
  }

  static <T> T await(Future<T> f) throws Exception {
    return io.shardline.engine.testutil.Await.of(f);
  }


  /** Writes {@code size} deterministic random bytes. */
  static Path file(Path p, long size, long seed) throws IOException {
    return io.shardline.engine.testutil.TestFiles.random(p, size, seed);
  }

  /** Files at final paths whose bytes differ from the source's now (a corrupt or partial file). */
  static int countCorrupt(Path src, Path dest) throws IOException {
    int bad = 0;
    for (String f : files(dest)) {
      Path s = src.resolve(f);
      if (Files.exists(s) && Files.mismatch(s, dest.resolve(f)) != -1L) {
        bad++;
      }
    }
    return bad;
  }

  /** Files at final paths that the source does not have (a partial or misplaced file). */
  static int countForeign(Path src, Path dest) throws IOException {
    int bad = 0;
    for (String f : files(dest)) {
      if (!Files.exists(src.resolve(f))) {
        bad++;
      }
    }
    return bad;
  }

  /**
   * Relative paths of all regular files under {@code dir}, excluding the .shardline state folder.
   * The tree may change while it is walked (a running pull publishes files and removes its state),
   * so the state folder is never entered and an entry that vanished meanwhile is passed over.
   */
  static List<String> files(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.exists(dir)) {
      return out;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        return d.equals(dir.resolve(".shardline")) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          out.add(dir.relativize(f).toString());
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    out.sort(null);
    return out;
  }

  /** Asserts both trees hold the same files with the same bytes. */
  static void assertSameTree(Path expected, Path actual) throws IOException {
    List<String> a = files(expected);
    List<String> b = files(actual);
    org.junit.jupiter.api.Assertions.assertEquals(a, b, "file lists differ");
    for (String f : a) {
      org.junit.jupiter.api.Assertions.assertEquals(-1L, Files.mismatch(expected.resolve(f), actual.resolve(f)),
          f + " differs");
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
