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
import picocli.CommandLine.ArgGroup;
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

  @Option(names = "--source", paramLabel = "shardline://HOST:PORT/PATH",
      description = "Another source of the same content (repeatable), after those of the first argument.")
  List<String> extraSources = new ArrayList<>();

  @Parameters(index = "1", paramLabel = "LOCAL_DIR",
      description = "Where the files land, and what is served (a pulled file ckpt.bin is served as /ckpt.bin).")
  Path dest;

  @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
      description = "Where to serve; port 0 picks a free one.")
  String listen;

  @Option(names = "--https-listen", paramLabel = "HOST:PORT",
      description = "Also serve the relay's complete files over HTTPS (GET/HEAD with ranges, for curl, aria2c,"
          + " browsers) on HOST:PORT, with the same certificate, serve token and rate limit; a file appears there"
          + " once the relay has verified and published it.")
  String httpsListen;

  @Option(names = "--cert", description = "PEM certificate to serve with (default: a self-signed one kept in the state dir).")
  Path cert;

  @Option(names = "--key", description = "PEM private key for --cert.")
  Path key;

  @Option(names = "--client-ca", paramLabel = "FILE",
      description = "Require mutual TLS from downstreams: certificates issued by a CA in this PEM bundle.")
  Path clientCa;

  @Option(names = "--state-dir", description = "Where the self-signed certificate lives (default: ~/.shardline/relay).")
  Path stateDir;

  @ArgGroup(exclusive = true, multiplicity = "1")
  PullCommand.TrustChoice trust;

  @Option(names = "--token-file", description = "File holding the upstream's token.")
  Path tokenFile;

  @Option(names = "--serve-token-file", description = "File holding the token downstreams must present.")
  Path serveTokenFile;

  @Option(names = "--client-cert", paramLabel = "FILE", description = "PEM client certificate for an upstream that requires mutual TLS.")
  Path clientCert;

  @Option(names = "--client-key", paramLabel = "FILE", description = "PEM private key of --client-cert.")
  Path clientKey;

  @Option(names = "--failover",
      description = {"With several sources: pull from the first while it works and move every lane to the next"
          + " only when it is down (for relays in a chain or tree, so the origin sends one copy), instead of"
          + " spreading lanes over all sources."})
  boolean failover;

  @Option(names = "--lanes", description = "Parallel TLS connections to the upstream (default: cores, at least 2).")
  Integer lanes;

  @Option(names = "--chunk-size", defaultValue = "4MiB",
      description = "Chunk size pulled and served; downstreams must pull with the same (default: ${DEFAULT-VALUE}).")
  String chunkSize;

  @Option(names = "--compression", defaultValue = "auto", paramLabel = "auto|none|zstd|planes",
      description = "Compression asked of the upstream (downstreams ask for their own) (default: ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--rate-limit", paramLabel = "RATE", description = "Cap on the wire bandwidth served to all downstreams, e.g. 800mbit.")
  String rateLimit;

  @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "64MiB",
      description = "Recent verified chunks kept in memory for downstreams, so they are not read back from disk (default: ${DEFAULT-VALUE}).")
  String memory;

  @Option(names = "--json", description = "When the relay's own pull is complete, print its summary as one JSON object on stdout.")
  boolean json;

  @Option(names = "--progress-timeout", defaultValue = "60", description = "Seconds without any progress before the relay's pull fails (default: ${DEFAULT-VALUE}).")
  double progressSeconds;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(dest) && !Files.isDirectory(dest)) {
      System.err.println("shardline relay: LOCAL_DIR " + dest + " exists and is not a directory");
      return 2;
    }
    if ((clientCert == null) != (clientKey == null)) {
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
        .sources(PullCommand.sourcesOf(url, extraSources))
        .failover(failover)
        .destination(dest)
        .lanes(lanes == null ? PullOptions.DEFAULT_LANES : lanes)
        .chunkSize(OptionValues.chunkSize("--chunk-size", chunkSize))
        .progressTimeoutMs(OptionValues.seconds("--progress-timeout", progressSeconds))
        .compression(Compression.parse(compression))
        .trust(OptionValues.trust(trust.fingerprint, trust.ca, trust.insecure));
    if (tokenFile != null) {
      pull.token(OptionValues.token("--token-file", tokenFile));
    }
    if (clientCert != null) {
      TlsSupport.checkClientIdentity(clientCert, clientKey);
      pull.clientCert(clientCert).clientKey(clientKey);
    }
    pull.validate();
    ServeOptions serve = new ServeOptions().host(hp.host()).port(hp.port()).certPem(cert).keyPem(key)
        .clientCa(clientCa)
        .stateDir(stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".shardline", "relay"));
    if (serveTokenFile != null) {
      serve.token(OptionValues.token("--serve-token-file", serveTokenFile));
    }
    if (rateLimit != null) {
      serve.rateLimit(OptionValues.rate("--rate-limit", rateLimit));
    }
    if (clientCa != null) {
      TlsSupport.checkClientCa(clientCa);
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
            server.certPem(), server.keyPem(), clientCa, serve.token(), server.rateLimiter(),
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
