package io.shardline.gateway.testutil;

import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.gateway.GatewayServer;
import io.shardline.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Test harness: a source node (engine server on 127.0.0.1:0, self-signed, pinned) serving
 * {@code source/}, a gateway on 127.0.0.1:0 with that node as remote {@code ckpt} and
 * {@code dest/} as destination {@code local}, and a blocking HTTP client for the API.
 */
public final class GatewayHarness implements AutoCloseable {
  public static final String OPERATOR = "op-secret-token";
  public static final String VIEWER = "view-secret-token";

  public final Vertx vertx = Vertx.vertx();
  public final Path tmp;
  public final Path source;
  public final Path dest;
  public final Path data;
  public ShardlineServer node;
  public ShardlineServer.Info nodeInfo;
  public GatewayServer gateway;
  public GatewayServer.Info info;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public GatewayHarness(Path tmp) throws IOException {
    this.tmp = tmp;
    this.source = Files.createDirectories(tmp.resolve("source"));
    this.dest = tmp.resolve("dest");
    this.data = tmp.resolve("gateway-data");
  }

  public GatewayHarness startNode(Consumer<ServeOptions> tune) throws Exception {
    ServeOptions o = new ServeOptions().root(source).host("127.0.0.1").port(0).stateDir(tmp.resolve("node-state"));
    tune.accept(o);
    node = new ShardlineServer(vertx, o);
    nodeInfo = await(node.start());
    return this;
  }

  /** The gateway config for this harness (JSON, as in a config file). */
  public JsonObject config() {
    return new JsonObject()
        .put("listen", "127.0.0.1:0")
        .put("dataDir", data.toString())
        .put("remotes", new JsonObject().put("ckpt", new JsonObject()
            .put("url", "shardline://127.0.0.1:" + nodeInfo.port())
            .put("trust", nodeInfo.fingerprint().toString())))
        .put("destinations", new JsonObject().put("local", dest.toString()))
        .put("tokens", new JsonArray()
            .add(new JsonObject().put("token", OPERATOR).put("role", "operator").put("name", "alice"))
            .add(new JsonObject().put("token", VIEWER).put("role", "viewer").put("name", "bob")));
  }

  /**
   * This harness's config for cluster member {@code node}: its data folder {@code data-NAME}
   * under {@code dir}, these destinations, and a cluster block listing every member's port on
   * 127.0.0.1 one by one.
   */
  public JsonObject memberConfig(Path dir, String node, String dataName, JsonObject destinations, int clusterPort,
      java.util.List<Integer> clusterPorts) {
    JsonArray members = new JsonArray();
    clusterPorts.forEach(p -> members.add("127.0.0.1:" + p));
    return config().put("dataDir", dir.resolve("data-" + dataName).toString()).put("destinations", destinations)
        .put("cluster", new JsonObject().put("node", node).put("host", "127.0.0.1").put("port", clusterPort)
            .put("members", members));
  }

  public GatewayHarness startGateway(Consumer<JsonObject> tune) throws Exception {
    JsonObject c = config();
    tune.accept(c);
    gateway = new GatewayServer(vertx, GatewayConfig.parse(c, tmp));
    info = await(gateway.start());
    return this;
  }

  public String base() {
    return "http://127.0.0.1:" + info.port();
  }

  /** A response, with its body as text. */
  public record Response(int status, HttpResponse<String> raw) {
    public String body() {
      return raw.body();
    }

    public JsonObject json() {
      return new JsonObject(raw.body());
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  public Response call(String method, String path, String token, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r);
  }

  public JsonObject submit(JsonObject body) throws Exception {
    Response r = call("POST", "/api/v1/jobs", OPERATOR, body.encode());
    if (r.status() != 201) {
      throw new AssertionError("submit: " + r.status() + " " + r.body());
    }
    return r.json();
  }

  /** Polls the job until it is in {@code state} (fails on another ended state or the timeout). */
  public JsonObject awaitState(String id, String state, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonObject j = null;
    while (System.nanoTime() < deadline) {
      j = call("GET", "/api/v1/jobs/" + id, VIEWER, null).json();
      if (state.equals(j.getString("state"))) {
        return j;
      }
      String s = j.getString("state");
      if (!state.equals(s) && (s.equals("succeeded") || s.equals("cancelled") || s.equals("failed"))) {
        throw new AssertionError("job " + id + " is " + s + ", expected " + state + ": " + j.encode());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("job " + id + " not " + state + " after " + timeout + ": " + (j == null ? null : j.encode()));
  }

  public void stopGateway() throws Exception {
    if (gateway != null) {
      await(gateway.stop());
      gateway = null;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      stopGateway();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  public static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }

  /** Writes {@code size} seeded random bytes. */
  public static Path file(Path p, long size, long seed) throws IOException {
    return io.shardline.engine.testutil.TestFiles.random(p, size, seed);
  }
}
