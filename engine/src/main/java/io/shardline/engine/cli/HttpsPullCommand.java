package io.shardline.engine.cli;

import io.shardline.engine.httpsget.HttpsPull;
import io.shardline.engine.httpsget.HttpsPullOptions;
import io.shardline.engine.httpsget.HttpsPullResult;
import io.shardline.engine.tls.Trust;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
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

  /** One entry of a {@code -i} file: the URLs of one file, preferred first, and its SHA-256 if given. */
  record Entry(int line, List<String> urls, String sha256) {}

  /**
   * Reads a {@code -i} file: entries of TAB-separated URLs (a file and its mirrors), each maybe
   * followed by indented option lines; {@code sha256=HEX} and aria2c's {@code checksum=sha-256=HEX}
   * are understood, other options are refused (so nothing is silently ignored).
   */
  static List<Entry> entries(List<String> lines) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String raw = lines.get(i);
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (Character.isWhitespace(raw.charAt(0))) {
        if (out.isEmpty()) {
          throw new IllegalArgumentException("line " + (i + 1) + ": an option line before any URL");
        }
        Entry last = out.remove(out.size() - 1);
        String sha = line.startsWith("sha256=") ? line.substring(7)
            : line.startsWith("checksum=sha-256=") ? line.substring(17) : null;
        if (sha == null) {
          throw new IllegalArgumentException("line " + (i + 1) + ": unknown option '" + line
              + "' (only sha256=HEX or checksum=sha-256=HEX)");
        }
        HttpsPullOptions.parseSha256(sha);
        out.add(new Entry(last.line(), last.urls(), sha));
        continue;
      }
      List<String> urls = new ArrayList<>();
      for (String u : line.split("\t")) {
        if (!u.isBlank()) {
          urls.add(u.strip());
        }
      }
      out.add(new Entry(i + 1, List.copyOf(urls), null));
    }
    return out;
  }

  /**
   * {@code pull -i FILE LOCAL_DIR}: each entry's file in turn, its ranges spread over its URL and
   * the mirrors that serve the same version (a failed range is asked of the next URL); one
   * summary line per file, or with {@code --json} one object with every file's result. Exit 0
   * only when every file was published.
   */
  static int runList(PullCommand c) throws Exception {
    List<Entry> entries;
    try {
      entries = entries(java.nio.file.Files.readAllLines(c.inputFile));
    } catch (java.io.IOException e) {
      System.err.println("shardline pull: cannot read -i " + c.inputFile + ": " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      System.err.println("shardline pull: -i " + c.inputFile + ": " + e.getMessage());
      return 2;
    }
    if (entries.isEmpty()) {
      System.err.println("shardline pull: -i " + c.inputFile + " lists no URL");
      return 2;
    }
    if (c.sha256 != null) {
      System.err.println("shardline pull: with -i, give each file's digest in FILE (sha256=HEX), not --sha256");
      return 2;
    }
    List<HttpsPullOptions> all = new ArrayList<>();
    try {
      for (Entry e : entries) {
        HttpsPullOptions o = options(c, e.urls().get(0));
        List<URI> mirrors = new ArrayList<>();
        for (String u : e.urls().subList(1, e.urls().size())) {
          mirrors.add(uri(u));
        }
        o.mirrors(mirrors);
        if (e.sha256() != null) {
          o.sha256(HttpsPullOptions.parseSha256(e.sha256()));
        }
        o.validate();
        all.add(o);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("shardline pull: -i " + c.inputFile + ": " + e.getMessage());
      return 2;
    }
    io.vertx.core.json.JsonArray results = new io.vertx.core.json.JsonArray();
    int failed = 0;
    Vertx vertx = Vertx.vertx();
    try {
      for (HttpsPullOptions o : all) {
        HttpsPullResult r = new HttpsPull(vertx, o).run().toCompletionStage().toCompletableFuture().get();
        results.add(r.toJson());
        if (!c.json) {
          System.out.println(summary(r));
        }
        if (!r.ok()) {
          failed++;
          System.err.println("shardline pull: FAILED " + o.url() + " (" + String.join("; ", r.errors()) + ")");
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (c.json) {
      System.out.println(new io.vertx.core.json.JsonObject().put("files", results).put("failed", failed)
          .put("ok", failed == 0).encode());
    }
    if (failed > 0) {
      System.err.println("shardline pull: " + failed + " of " + entries.size() + " files failed; "
          + PullCommand.afterFailure(c.dest));
      return 1;
    }
    return 0;
  }

  static HttpsPullOptions options(PullCommand c) {
    return options(c, c.url);
  }

  private static URI uri(String url) {
    try {
      return new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + url + " (" + e.getReason() + ")");
    }
  }

  static HttpsPullOptions options(PullCommand c, String url) {
    URI uri = uri(url);
    if (c.up.trust != null && c.up.trust.fingerprint != null) {
      throw new IllegalArgumentException("--trust pins a Shardline node's certificate; verify an HTTPS server with"
          + " --ca FILE, or leave it to the system CAs");
    }
    if (c.rateLimit != null || c.up.clientCert != null) {
      throw new IllegalArgumentException("--rate-limit and --client-cert are not supported for https:// sources yet");
    }
    HttpsPullOptions o = new HttpsPullOptions().url(uri).destination(c.dest)
        .lanes(c.up.lanes == null ? HttpsPullOptions.DEFAULT_LANES : c.up.lanes)
        .chunkSize(OptionValues.chunkSize("--chunk-size", c.up.chunkSize))
        .stallTimeoutMs((int) OptionValues.seconds("--stall-timeout", c.stallSeconds))
        .trust(c.up.trust == null ? new Trust.SystemCas() : c.up.trust.insecure ? new Trust.Insecure()
            : new Trust.CaFile(c.up.trust.ca));
    if (c.sha256 != null) {
      o.sha256(HttpsPullOptions.parseSha256(c.sha256));
    }
    List<URI> mirrors = new ArrayList<>();
    for (String m : c.mirrors) {
      mirrors.add(uri(m));
    }
    o.mirrors(mirrors);
    for (String h : c.headers) {
      String[] kv = HttpsPullOptions.parseHeader(h);
      o.header(kv[0], kv[1]);
    }
    if (c.up.tokenFile != null) {
      o.header("Authorization", "Bearer " + OptionValues.token("--token-file", c.up.tokenFile));
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
