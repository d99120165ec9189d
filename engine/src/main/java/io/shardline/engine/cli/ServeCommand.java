package io.shardline.engine.cli;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.https.HttpsFront;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.hdfs.HdfsChunkSource;
import io.shardline.engine.hdfs.HdfsClients;
import io.shardline.engine.hdfs.HdfsLocation;
import io.shardline.engine.s3.S3ChunkSource;
import io.shardline.engine.s3.S3Clients;
import io.shardline.engine.s3.S3Location;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.push.PushReceiver;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.tls.TlsSupport;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.fs.FileSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve a directory tree, the objects under an S3 prefix or the files under an HDFS path, read-only, to authenticated clients over TLS 1.3.")
final class ServeCommand implements Callable<Integer> {
  Path root;
  /** --root as given: a folder, or an s3:// or hdfs:// location (then {@link #root} is null). */
  String rootArg;

  @Option(names = "--root", required = true, paramLabel = "DIR|s3://BUCKET/PREFIX|hdfs://NAMENODE:PORT/PATH",
      description = "Directory to serve, the objects under an S3 prefix (see --s3-endpoint), or the files under an HDFS"
          + " path (Hadoop settings from HADOOP_CONF_DIR).")
  void root(String v) {
    rootArg = v;
    root = S3Location.isS3(v) || HdfsLocation.isHdfs(v) ? null : Path.of(v);
  }

  @Mixin
  S3Flags s3 = new S3Flags();

  @Mixin
  ServeTlsFlags tls = new ServeTlsFlags();

  @Option(names = "--listen", defaultValue = "127.0.0.1:7700", description = "HOST:PORT to listen on; port 0 picks a free one (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--https-listen", paramLabel = "HOST:PORT",
      description = "Also serve the tree over HTTPS (GET/HEAD with ranges, for curl, aria2c, browsers) on HOST:PORT, "
          + "with the same certificate, token (as Authorization: Bearer), client CA and rate limit.")
  String httpsListen;

  @Option(names = "--https-layout", paramLabel = "LAYOUT", defaultValue = "files",
      description = "How --https-listen maps URLs onto the tree: files (/PATH/UNDER/ROOT) or hub (the Hugging Face "
          + "Hub's download routes over ROOT/REPO/REVISION/FILES, for HF_ENDPOINT and hubUrl) (default: ${DEFAULT-VALUE}).")
  String httpsLayout;

  @Option(names = "--token-file", description = "File holding the token clients must present.")
  Path tokenFile;

  @Option(names = "--accept-push",
      description = "Take pushes (shardline push) into the served tree, from pushers holding the push token: each file"
          + " is received as a pull would, under .shardline/ until verified, then renamed into place. Needs"
          + " --push-token-file and a local --root.")
  boolean acceptPush;

  @Option(names = "--push-token-file", paramLabel = "FILE",
      description = "File holding the token a push must present (never the read token of --token-file).")
  Path pushTokenFile;

  @Option(names = "--state-dir", description = "Where the self-signed certificate and manifest cache live (default: ~/.shardline/serve).")
  Path stateDir;

  @Option(names = "--rate-limit", paramLabel = "RATE", description = "Cap on wire bandwidth over all clients, e.g. 800mbit, 1gbit, 100MB.")
  String rateLimit;

  @Option(names = "--max-chunk-sizes", paramLabel = "N", defaultValue = "3",
      description = "Distinct chunk sizes besides the default 4MiB that clients may list with at a time; each costs a full read of the listed files (default: ${DEFAULT-VALUE}).")
  int maxChunkSizes;

  @Option(names = "--memory-budget", paramLabel = "SIZE",
      description = "Node-wide cap on chunk buffers read from disk and not yet sent, over all clients, e.g. 128MiB; "
          + "requests beyond it wait (default: a quarter of -XX:MaxDirectMemorySize).")
  String memoryBudget;

  @Option(names = "--zstd-level", defaultValue = "1", description = "zstd level for compressed chunks (default: ${DEFAULT-VALUE}).")
  int zstdLevel;

  @Override
  public Integer call() throws Exception {
    S3Location s3Root = null;
    HdfsLocation hdfsRoot = null;
    if (root == null) {
      try {
        if (HdfsLocation.isHdfs(rootArg)) {
          hdfsRoot = HdfsLocation.parse(rootArg);
        } else {
          s3Root = S3Location.parse(rootArg);
        }
      } catch (RuntimeException e) {
        System.err.println("shardline serve: cannot serve " + rootArg + ": " + e.getMessage());
        return 1;
      }
      if (httpsListen != null) {
        System.err.println("shardline serve: --https-listen serves local folders only, not " + rootArg);
        return 2;
      }
      if (hdfsRoot != null && s3.given()) {
        System.err.println("shardline serve: --s3-endpoint and --s3-region are for an s3:// --root");
        return 2;
      }
    } else if (s3.given()) {
      System.err.println("shardline serve: --s3-endpoint and --s3-region are for an s3:// --root");
      return 2;
    } else if (!Files.isDirectory(root)) {
      System.err.println("shardline serve: --root " + root + " is not a directory");
      return 2;
    }
    if (tls.clientCa != null) {
      try {
        TlsSupport.checkClientCa(tls.clientCa);
      } catch (java.io.IOException e) {
        System.err.println("shardline serve: " + e.getMessage());
        return 2;
      }
    }
    HostPort hp;
    try {
      hp = HostPort.parse(listen);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--listen: " + e.getMessage());
    }
    HttpsFront.Layout layout = switch (httpsLayout) {
      case "files" -> HttpsFront.Layout.FILES;
      case "hub" -> HttpsFront.Layout.HUB;
      default -> null;
    };
    if (layout == null) {
      System.err.println("shardline serve: --https-layout must be files or hub, not " + httpsLayout);
      return 2;
    }
    if (layout == HttpsFront.Layout.HUB && httpsListen == null) {
      System.err.println("shardline serve: --https-layout hub needs --https-listen HOST:PORT");
      return 2;
    }
    HostPort https = null;
    if (httpsListen != null) {
      try {
        https = HostPort.parse(httpsListen);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--https-listen: " + e.getMessage());
      }
    }
    ServeOptions o = new ServeOptions().root(root).host(hp.host()).port(hp.port()).certPem(tls.cert).keyPem(tls.key)
        .clientCa(tls.clientCa)
        .stateDir(stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".shardline", "serve"));
    if (tokenFile != null) {
      o.token(OptionValues.token("--token-file", tokenFile));
    }
    if (acceptPush != (pushTokenFile != null)) {
      System.err.println("shardline serve: --accept-push and --push-token-file go together");
      return 2;
    }
    if (acceptPush && root == null) {
      System.err.println("shardline serve: --accept-push needs a local --root (pushes into s3:// or hdfs:// are not"
          + " taken)");
      return 2;
    }
    if (acceptPush) {
      o.pushToken(OptionValues.token("--push-token-file", pushTokenFile));
      if (o.pushToken().equals(o.token())) {
        System.err.println("shardline serve: the push token must differ from the read token (--token-file):"
            + " a reader must not be able to write");
        return 2;
      }
    }
    if (rateLimit != null) {
      o.rateLimit(OptionValues.rate("--rate-limit", rateLimit));
    }
    if (zstdLevel < 1 || zstdLevel > 19) {
      System.err.println("shardline serve: --zstd-level must be 1..19");
      return 2;
    }
    o.zstdLevel(zstdLevel);
    if (maxChunkSizes < 0 || maxChunkSizes > 64) {
      System.err.println("shardline serve: --max-chunk-sizes must be 0..64");
      return 2;
    }
    o.maxChunkSizes(maxChunkSizes);
    if (memoryBudget != null) {
      long bytes;
      try {
        bytes = Sizes.parse(memoryBudget);
      } catch (IllegalArgumentException e) {
        System.err.println("shardline serve: --memory-budget: " + e.getMessage());
        return 2;
      }
      String bad = bytes == 0 ? "memory budget must be positive" : ServeOptions.checkMemoryBudget(bytes);
      if (bad != null) {
        System.err.println("shardline serve: --memory-budget: " + bad);
        return 2;
      }
      o.memoryBudget(bytes);
    }
    TlsSupport.requireOpenSsl();
    ChunkSource source = null;
    if (s3Root != null) {
      S3Client client;
      try {
        S3Clients.Config config = s3.config();
        client = S3Clients.build(config);
        S3ChunkSource s3Source = new S3ChunkSource(client, s3Root, config.where(),
            new ManifestCache(o.stateDir().resolve("manifests")), o.maxFiles());
        s3Source.check(); // a missing bucket, refused credentials, an unreachable store: fail now, not at the first LIST
        source = s3Source;
      } catch (RuntimeException e) {
        System.err.println("shardline serve: cannot serve " + s3Root + ": " + e.getMessage());
        return 1;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(client::close));
    }
    if (hdfsRoot != null) {
      FileSystem fs;
      try {
        fs = HdfsClients.open(hdfsRoot, HdfsClients.configuration(), ErrorCode.IO_ERROR);
        HdfsChunkSource hdfsSource = new HdfsChunkSource(fs, hdfsRoot,
            new ManifestCache(o.stateDir().resolve("manifests")), o.maxFiles());
        hdfsSource.check(); // an unreachable NameNode, a missing path, a refused permission: fail now
        source = hdfsSource;
      } catch (RuntimeException e) {
        System.err.println("shardline serve: cannot serve " + hdfsRoot + ": " + e.getMessage());
        return 1;
      }
      FileSystem opened = fs;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          opened.close();
        } catch (IOException e) {
          // the process is ending; nothing to tell
        }
      }));
    }
    Vertx vertx = Vertx.vertx();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      vertx.close();
      stop.countDown();
    }));
    if (acceptPush) {
      o.pushAcceptor(new PushReceiver(vertx, root));
    }
    ShardlineServer server = new ShardlineServer(vertx, o, source);
    try {
      ShardlineServer.Info info = server.start().toCompletionStage().toCompletableFuture().get();
      System.out.println(info.banner());
      if (acceptPush) {
        System.out.println("accepting pushes into " + root.toRealPath());
      }
      if (https != null) {
        HttpsFront front = new HttpsFront(vertx, new HttpsFront.Config(root, https.host(), https.port(),
            server.certPem(), server.keyPem(), tls.clientCa, o.token(), server.rateLimiter(),
            o.maxConnectionsPerAddress(), HttpsFront.DEFAULT_MAX_CONNECTIONS, o.handshakeTimeoutMs(),
            o.idleTimeoutSeconds(), o.instances(), o.maxFiles(), layout));
        int port = front.start().toCompletionStage().toCompletableFuture().get();
        System.out.println(HttpsFront.banner(https.host(), port));
      }
      System.out.flush();
    } catch (Exception e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      System.err.println("shardline serve: cannot start: " + c.getMessage());
      vertx.close();
      return 1;
    }
    stop.await();
    return 0;
  }
}
