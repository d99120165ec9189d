package io.shardline.engine.cli;

import io.shardline.engine.httpsget.HttpsPull;
import io.shardline.engine.httpsget.HttpsPullOptions;
import io.shardline.engine.httpsget.HttpsPullResult;
import io.shardline.engine.tls.Trust;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** {@code pull https://HOST/PATH LOCAL_DIR}: the options of {@link PullCommand} that apply, then an {@link HttpsPull}. */
final class HttpsPullCommand {
  private HttpsPullCommand() {}

  static int run(PullCommand c) throws Exception {
    HttpsPullOptions o;
    try {
      o = options(c);
    } catch (IllegalArgumentException e) {
      System.err.println("shardline pull: " + e.getMessage());
      return 2;
    }
    if (Files.exists(c.dest) && !Files.isDirectory(c.dest)) {
      System.err.println("shardline pull: LOCAL_DIR " + c.dest + " exists and is not a directory; a pull writes"
          + " into a directory. Nothing was written.");
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      HttpsPullResult r = new HttpsPull(vertx, o).run().toCompletionStage().toCompletableFuture().get();
      if (c.json) {
        System.out.println(r.toJson().encode());
      } else {
        System.out.println(summary(r));
      }
      if (!r.ok()) {
        System.err.println("shardline pull: FAILED (" + String.join("; ", r.errors()) + ")");
        System.err.println("shardline pull: " + PullCommand.afterFailure(c.dest));
        return 1;
      }
      return 0;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  static HttpsPullOptions options(PullCommand c) {
    URI uri;
    try {
      uri = new URI(c.url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + c.url + " (" + e.getReason() + ")");
    }
    if (c.trust != null && c.trust.fingerprint != null) {
      throw new IllegalArgumentException("--trust pins a Shardline node's certificate; verify an HTTPS server with"
          + " --ca FILE, or leave it to the system CAs");
    }
    if (c.rateLimit != null || c.clientCert != null) {
      throw new IllegalArgumentException("--rate-limit and --client-cert are not supported for https:// sources yet");
    }
    HttpsPullOptions o = new HttpsPullOptions().url(uri).destination(c.dest)
        .lanes(c.lanes == null ? HttpsPullOptions.DEFAULT_LANES : c.lanes)
        .chunkSize(OptionValues.chunkSize("--chunk-size", c.chunkSize))
        .stallTimeoutMs((int) OptionValues.seconds("--stall-timeout", c.stallSeconds))
        .trust(c.trust == null ? new Trust.SystemCas() : c.trust.insecure ? new Trust.Insecure()
            : new Trust.CaFile(c.trust.ca));
    if (c.sha256 != null) {
      o.sha256(HttpsPullOptions.parseSha256(c.sha256));
    }
    for (String h : c.headers) {
      String[] kv = HttpsPullOptions.parseHeader(h);
      o.header(kv[0], kv[1]);
    }
    if (c.tokenFile != null) {
      o.header("Authorization", "Bearer " + OptionValues.token("--token-file", c.tokenFile));
    }
    o.validate();
    return o;
  }

  static String summary(HttpsPullResult r) {
    double mbps = r.megabytesPerSecond();
    String check = r.ok() ? ("sha256".equals(r.verifiedBy()) ? "verified (SHA-256)"
        : "published (same ETag/Last-Modified on every range; no digest given)") : "INCOMPLETE";
    return String.format(Locale.ROOT, "%s %s, %s in %.2f s: %.0f MB/s (%.2f Gbit/s) over %d connections;"
            + " %d chunks, %d resumed, %d retries",
        check, r.file(), Sizes.human(r.bytes()), r.seconds(), mbps, mbps * 8 / 1000, r.lanes(), r.chunks(),
        r.resumedChunks(), r.retries());
  }
}
