package io.shardline.engine.s3;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server in its own process on 127.0.0.1, for the tests: S3Proxy (its
 * filesystem backend; checks signatures, so wrong credentials are refused) or Adobe's S3Mock
 * (accepts any credentials; lists part checksums). The jars are fetched by Maven into
 * {@code target/s3-servers/}. Started once per test class, stopped by PID in {@link #close()}.
 * S3Mock's extra plain-HTTP connector binds every interface (S3Mock gives it no address setting);
 * its main connector, the one used, is bound to 127.0.0.1.
 */
public final class S3TestServer implements AutoCloseable {
  public enum Kind {
    S3PROXY("s3proxy-jar-with-dependencies.jar"),
    S3MOCK("s3mock-exec.jar");

    final String jar;

    Kind(String jar) {
      this.jar = jar;
    }
  }

  public final Kind kind;
  public final URI endpoint;
  public final String accessKey;
  public final String secretKey;
  public final Path log;
  private final Process process;

  private S3TestServer(Kind kind, URI endpoint, String accessKey, String secretKey, Path log, Process process) {
    this.kind = kind;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.log = log;
    this.process = process;
  }

  /** The server's process id (a benchmark reads its CPU time from /proc). */
  public long pid() {
    return process.pid();
  }

  /** The server's jar: in this module's {@code target/s3-servers/}, or the engine's (from another module's tests). */
  static Path jar(Kind kind) {
    Path here = Path.of("target", "s3-servers", kind.jar).toAbsolutePath();
    Path engine = Path.of("..", "engine", "target", "s3-servers", kind.jar).toAbsolutePath().normalize();
    return Files.isRegularFile(here) || !Files.isRegularFile(engine) ? here : engine;
  }

  public static boolean available(Kind kind) {
    return Files.isRegularFile(jar(kind));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts a server with a fresh store under {@code dir}; waits (bounded) until it answers HTTP. */
  public static S3TestServer start(Kind kind, Path dir) throws Exception {
    Path store = Files.createDirectories(dir.resolve(kind.name().toLowerCase() + "-store"));
    Path log = dir.resolve(kind.name().toLowerCase() + ".log");
    int port = freePort();
    String access = "test-" + UUID.randomUUID().toString().substring(0, 8);
    String secret = "secret-" + UUID.randomUUID();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:TieredStopAtLevel=1", "-jar", jar(kind).toString()));
    if (kind == Kind.S3PROXY) {
      Path props = dir.resolve("s3proxy.conf");
      Files.writeString(props, String.join("\n",
          "s3proxy.endpoint=http://127.0.0.1:" + port,
          "s3proxy.authorization=aws-v2-or-v4",
          "s3proxy.identity=" + access,
          "s3proxy.credential=" + secret,
          "jclouds.provider=filesystem",
          "jclouds.filesystem.basedir=" + store) + "\n");
      cmd.addAll(List.of("--properties", props.toString()));
    } else {
      cmd.addAll(List.of("--server.port=" + port, "--server.address=127.0.0.1", "--server.ssl.enabled=false",
          "--http.port=" + freePort(), "--com.adobe.testing.s3mock.store.root=" + store,
          "--spring.main.banner-mode=off"));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    S3TestServer server = new S3TestServer(kind, URI.create("http://127.0.0.1:" + port), access, secret, log, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (answers(server.endpoint)) {
        return server;
      }
      Thread.sleep(100); // polling a starting server, bounded by the deadline
    }
    server.close();
    throw new AssertionError(kind + " did not start: " + Files.readString(log));
  }

  private static boolean answers(URI endpoint) {
    try {
      HttpURLConnection c = (HttpURLConnection) endpoint.toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      c.disconnect();
      return code > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** A client of this server with its credentials. */
  public S3Client client() {
    return S3Clients.build(config(accessKey, secretKey));
  }

  S3Clients.Config config(String access, String secret) {
    return new S3Clients.Config(endpoint, "us-east-1",
        StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret)));
  }

  /**
   * The environment a child {@code shardline} gets: these credentials, and no other place the
   * SDK might look (no credentials or config file of the user, no instance metadata service).
   */
  Map<String, String> env(Path dir, String access, String secret) {
    return Map.of("AWS_ACCESS_KEY_ID", access, "AWS_SECRET_ACCESS_KEY", secret,
        "AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials").toString(),
        "AWS_CONFIG_FILE", dir.resolve("no-config").toString(), "AWS_EC2_METADATA_DISABLED", "true");
  }

  @Override
  public void close() throws Exception {
    process.destroyForcibly(); // by PID
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
