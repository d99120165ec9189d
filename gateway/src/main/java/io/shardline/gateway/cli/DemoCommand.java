package io.shardline.gateway.cli;

import io.shardline.engine.cli.PullCommand;
import io.shardline.engine.cli.Sizes;
import io.shardline.engine.sample.SampleShards;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Generate sample BF16 safetensors shards, serve them in-process and pull them over 4 TLS lanes.")
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", description = "Work directory; sample shards are kept there between runs (default: <tmp>/shardline-demo).")
  Path dir = Path.of(System.getProperty("java.io.tmpdir"), "shardline-demo");

  @Option(names = "--shards", defaultValue = "4", description = "Number of shards (default: ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--shard-size", defaultValue = "64MiB", description = "Size of each shard (default: ${DEFAULT-VALUE}).")
  String shardSize;

  @Option(names = "--lanes", defaultValue = "4", description = "Lanes (default: ${DEFAULT-VALUE}).")
  int lanes;

  @Option(names = "--json", description = "Print the summary as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    long shardBytes = Sizes.parse(shardSize);
    // One folder per sample shape: shards are kept between runs, never reused at another size.
    Path source = dir.resolve("source-" + shards + "x" + shardBytes);
    Path dest = dir.resolve("pulled");
    System.err.println("shardline demo: preparing " + shards + " BF16 safetensors shards in " + source + " ...");
    long bytes = SampleShards.generate(source, shards, shardBytes, 42);
    deleteTree(dest);
    Vertx vertx = Vertx.vertx();
    try {
      ShardlineServer server = new ShardlineServer(vertx, new ServeOptions().root(source).host("127.0.0.1").port(0)
          .stateDir(dir.resolve("server-state")));
      ShardlineServer.Info info = server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      System.err.println("shardline demo: serving " + Sizes.human(bytes) + ", " + info.banner());
      System.err.println("shardline demo: pulling into " + dest + " over " + lanes + " TLS lanes (fingerprint pinned)");
      PullOptions o = new PullOptions()
          .source(new ShardlineUrl("127.0.0.1", info.port(), ""))
          .destination(dest)
          .lanes(lanes)
          .trust(new Trust.Pinned(info.fingerprint()));
      return PullCommand.execute(vertx, o, json, System.out, System.err);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(x);
      }
    }
  }
}
