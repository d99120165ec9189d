package io.shardline.engine.server;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes started with port 0 in one Vert.x get a port each. (They shared one: both asked Vert.x
 * for its shared port -1, so connections to "either" went to both in turn, and a node with a
 * token answered for one without.)
 */
@Timeout(60)
class SharedPortTest {
  @TempDir
  Path tmp;

  @Test
  void twoNodesOnPortZeroInOneVertxListenOnTwoPorts() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Path root = Files.createDirectories(tmp.resolve("root"));
      ShardlineServer.Info a = start(vertx, new ServeOptions().root(root).host("127.0.0.1").port(0)
          .stateDir(tmp.resolve("a")).instances(2));
      ShardlineServer.Info b = start(vertx, new ServeOptions().root(root).host("127.0.0.1").port(0)
          .stateDir(tmp.resolve("b")).instances(2).token("secret-token"));
      assertTrue(a.port() > 0 && b.port() > 0);
      assertNotEquals(a.port(), b.port());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  private static ShardlineServer.Info start(Vertx vertx, ServeOptions o) throws Exception {
    return new ShardlineServer(vertx, o).start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
