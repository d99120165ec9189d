package io.shardline.gateway.cli;

import io.shardline.engine.cli.HostPort;
import io.shardline.gateway.GatewayServer;
import io.shardline.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = "Run the HTTP gateway: operators submit transfer jobs, watch them live (REST, server-sent events, "
        + "a web page), and every change is journalled so no accepted job is lost across restarts.")
public final class GatewayCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "Config file (JSON, or YAML for .yaml/.yml).")
  Path config;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Overrides the config's listen address.")
  String listen;

  @Override
  public Integer call() throws Exception {
    GatewayConfig c = GatewayConfig.load(config);
    if (listen != null) {
      c = new GatewayConfig(HostPort.parse(listen), c.dataDir(), c.remotes(), c.destinations(), c.tokens(),
          c.maxRunningJobs(), c.maxBodyBytes(), c.snapshotEvery(), c.tlsCert(), c.tlsKey(), c.idleTimeoutSeconds(),
          c.headerTimeoutSeconds(), c.maxConnections(), c.cluster(), c.stores(),
          c.remoteStores());
    }
    Vertx vertx = Vertx.vertx();
    GatewayServer server = new GatewayServer(vertx, c);
    GatewayServer.Info info;
    try {
      info = server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      vertx.close();
      throw new IllegalStateException("the gateway did not start: " + e.getCause().getMessage(), e.getCause());
    }
    System.err.println("shardline gateway: " + info.jobs() + " jobs, listening on " + info.url()
        + " (API " + info.url() + "api/v1/, contract " + info.url() + "api/v1/openapi.yaml)");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("shardline gateway: unclean stop: " + e);
      } finally {
        stopped.countDown();
      }
    }, "shardline-gateway-stop"));
    stopped.await();
    return 0;
  }
}
