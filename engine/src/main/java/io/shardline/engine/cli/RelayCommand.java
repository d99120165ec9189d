package io.shardline.engine.cli;

import io.shardline.engine.https.HttpsFront;
import io.shardline.engine.relay.Relay;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.transfer.Compression;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import io.vertx.core.Vertx;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "relay", mixinStandardHelpOptions = true,
    description = {"Pull from Shardline sources into a local folder and serve that folder at the same time:",
        "each chunk is served the moment it is verified here, with the upstream's manifest, so the next hop",
        "of a chain starts at once and verifies against the origin. Keeps serving, as a seed, once complete."})
final class RelayCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "shardline://HOST:PORT/PATH[,shardline://...]",
      description = "What to relay; several sources of the same content separated by commas, nearest first.")
  String url;

  @Parameters(index = "1", paramLabel = "LOCAL_DIR",
      description = "Where the files land, and what is served (a pulled file ckpt.bin is served as /ckpt.bin).")
  Path dest;

  @Mixin
  UpstreamFlags up = new UpstreamFlags();

  @Mixin
  ServeTlsFlags tls = new ServeTlsFlags();

  @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
      description = "Where to serve; port 0 picks a free one.")
  String listen;

  @Option(names = "--https-listen", paramLabel = "HOST:PORT",
      description = "Also serve the relay's complete files over HTTPS (GET/HEAD with ranges, for curl, aria2c,"
          + " browsers) on HOST:PORT, with the same certificate, serve token and rate limit; a file appears there"
          + " once the relay has verified and published it.")
  String httpsListen;

  @Option(names = "--state-dir", description = "Where the self-signed certificate lives (default: ~/.shardline/relay).")
  Path stateDir;

  @Option(names = "--serve-token-file", description = "File holding the token downstreams must present.")
  Path serveTokenFile;

  @Option(names = "--rate-limit", paramLabel = "RATE", description = "Cap on the wire bandwidth served to all downstreams, e.g. 800mbit.")
  String rateLimit;

  @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "64MiB",
      description = "Recent verified chunks kept in memory for downstreams, so they are not read back from disk (default: ${DEFAULT-VALUE}).")
  String memory;

  @Option(names = "--json", description = "When the relay's own pull is complete, print its summary as one JSON object on stdout.")
  boolean json;


  @Override
  public Integer call() throws Exception {
    if (up.trust == null) {
      System.err.println("shardline relay: needs one of --trust sha256:HEX (the fingerprint the upstream printed),"
          + " --ca FILE or --insecure");
      return 2;
    }
    if (Files.exists(dest) && !Files.isDirectory(dest)) {
      System.err.println("shardline relay: LOCAL_DIR " + dest + " exists and is not a directory");
      return 2;
    }
    if ((up.clientCert == null) != (up.clientKey == null)) {
      System.err.println("shardline relay: --client-cert and --client-key go together");
      return 2;
    }
    HostPort hp;
    try {
      hp = HostPort.parse(listen);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--listen: " + e.getMessage());
    }
    long memoryBytes;
    try {
      memoryBytes = Sizes.parse(memory);
    } catch (IllegalArgumentException e) {
      System.err.println("shardline relay: --memory: " + e.getMessage());
      return 2;
    }
    PullOptions pull = new PullOptions()
        .sources(PullCommand.sourcesOf(url, up.extraSources))
        .failover(up.failover)
        .verifyHashes(up.verifyHashes)
        .destination(dest)
        .lanes(up.lanes == null ? PullOptions.DEFAULT_LANES : up.lanes)
        .chunkSize(OptionValues.chunkSize("--chunk-size", up.chunkSize))
        .progressTimeoutMs(OptionValues.seconds("--progress-timeout", up.progressSeconds))
        .compression(Compression.parse(up.compression))
        .trust(OptionValues.trust(up.trust.fingerprint, up.trust.ca, up.trust.insecure));
    if (up.tokenFile != null) {
      pull.token(OptionValues.token("--token-file", up.tokenFile));
    }
    if (up.clientCert != null) {
      TlsSupport.checkClientIdentity(up.clientCert, up.clientKey);
      pull.clientCert(up.clientCert).clientKey(up.clientKey);
    }
    pull.validate();
    ServeOptions serve = new ServeOptions().host(hp.host()).port(hp.port()).certPem(tls.cert).keyPem(tls.key)
        .clientCa(tls.clientCa)
        .stateDir(stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".shardline", "relay"));
    if (serveTokenFile != null) {
      serve.token(OptionValues.token("--serve-token-file", serveTokenFile));
    }
    if (rateLimit != null) {
      serve.rateLimit(OptionValues.rate("--rate-limit", rateLimit));
    }
    if (tls.clientCa != null) {
      TlsSupport.checkClientCa(tls.clientCa);
    }
    TlsSupport.requireOpenSsl();
    Vertx vertx = Vertx.vertx();
    Relay relay = new Relay(vertx, pull, serve, memoryBytes);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        relay.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        // stopping anyway
      }
      vertx.close();
      stop.countDown();
    }));
    HostPort https = null;
    if (httpsListen != null) {
      try {
        https = HostPort.parse(httpsListen);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--https-listen: " + e.getMessage());
      }
    }
    try {
      ShardlineServer.Info info = relay.start().toCompletionStage().toCompletableFuture().get();
      System.out.println(info.banner());
      if (https != null) {
        java.nio.file.Files.createDirectories(dest);
        ShardlineServer server = relay.server();
        HttpsFront front = new HttpsFront(vertx, new HttpsFront.Config(dest, https.host(), https.port(),
            server.certPem(), server.keyPem(), tls.clientCa, serve.token(), server.rateLimiter(),
            serve.maxConnectionsPerAddress(), HttpsFront.DEFAULT_MAX_CONNECTIONS, serve.handshakeTimeoutMs(),
            serve.idleTimeoutSeconds(), serve.instances(), serve.maxFiles()));
        int port = front.start().toCompletionStage().toCompletableFuture().get();
        System.out.println(HttpsFront.banner(https.host(), port));
      }
      System.out.flush();
    } catch (Exception e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      System.err.println("shardline relay: cannot start: " + c.getMessage());
      vertx.close();
      return 1;
    }
    PullResult r;
    try {
      r = relay.pulled().toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      System.err.println("shardline relay: FAILED (" + c.getMessage() + ")");
      return 1;
    }
    System.out.println(json ? r.toJson() : PullCommand.summary(r));
    System.out.flush();
    if (!r.ok()) {
      System.err.println("shardline relay: FAILED (" + String.join("; ", r.errors()) + ")");
      System.err.println("shardline relay: " + PullCommand.afterFailure(dest));
      return 1;
    }
    System.err.println("shardline relay: complete; serving " + dest + " as a seed until stopped");
    stop.await();
    return 0;
  }
}
