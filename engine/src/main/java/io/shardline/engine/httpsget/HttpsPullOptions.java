package io.shardline.engine.httpsget;

import io.shardline.engine.tls.Trust;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.Locale;

/** Options of a pull from an HTTPS server ({@code pull https://...}). Fluent setters. */
public final class HttpsPullOptions {
  /** Parallel connections, each taking any range. */
  public static final int DEFAULT_LANES = 4;
  /** Bytes per range request (and per journalled chunk). */
  public static final int DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
  /** Tries per range (the first included) before the pull fails; 5xx, 408, 429 and broken connections are retried. */
  public static final int DEFAULT_ATTEMPTS = 8;

  private URI url;
  private List<URI> mirrors = List.of();
  private Path destination;
  private int lanes = DEFAULT_LANES;
  private int chunkSize = DEFAULT_CHUNK_SIZE;
  private byte[] sha256;
  private final List<String[]> headers = new ArrayList<>();
  private Trust trust = new Trust.SystemCas();
  private int connectTimeoutMs = 10_000;
  private int stallTimeoutMs = 15_000;
  private int attempts = DEFAULT_ATTEMPTS;
  private long rateLimit;
  private BooleanSupplier mayWrite = () -> true;
  private Supplier<String> fenceReason = () -> "";

  public URI url() { return url; }
  public HttpsPullOptions url(URI v) { url = v; return this; }
  /** Other URLs of the same file: ranges are spread over every URL that serves the same version. */
  public List<URI> mirrors() { return mirrors; }
  public HttpsPullOptions mirrors(List<URI> v) { mirrors = List.copyOf(v); return this; }
  public Path destination() { return destination; }
  public HttpsPullOptions destination(Path v) { destination = v; return this; }
  public int lanes() { return lanes; }
  public HttpsPullOptions lanes(int v) { lanes = v; return this; }
  public int chunkSize() { return chunkSize; }
  public HttpsPullOptions chunkSize(int v) { chunkSize = v; return this; }
  /** The expected SHA-256 of the file, or null: then the validators ({@code ETag}, {@code Last-Modified}) are checked. */
  public byte[] sha256() { return sha256; }
  public HttpsPullOptions sha256(byte[] v) { sha256 = v; return this; }
  /** Extra request headers (name, value), sent with every request: a token, a cookie. */
  public List<String[]> headers() { return headers; }
  public HttpsPullOptions header(String name, String value) { headers.add(new String[] {name, value}); return this; }
  public Trust trust() { return trust; }
  public HttpsPullOptions trust(Trust v) { trust = v; return this; }
  public int connectTimeoutMs() { return connectTimeoutMs; }
  public HttpsPullOptions connectTimeoutMs(int v) { connectTimeoutMs = v; return this; }
  /** A request that receives nothing for this long fails (and is retried). */
  public int stallTimeoutMs() { return stallTimeoutMs; }
  public HttpsPullOptions stallTimeoutMs(int v) { stallTimeoutMs = v; return this; }
  /** Payload bytes per second over all lanes, 0 for no limit; {@link HttpsPull#rateLimit} changes it live. */
  public long rateLimit() { return rateLimit; }
  public HttpsPullOptions rateLimit(long v) { rateLimit = v; return this; }
  /**
   * Asked before every chunk write and before the publish (on disk workers): once it says no
   * (a gateway cluster's lease on the job lapsed), the pull stops with {@code FENCED}, writing and
   * publishing nothing more ({@code storage.FencedDestination} does the same for node pulls).
   */
  public HttpsPullOptions fence(BooleanSupplier mayWrite, Supplier<String> why) {
    this.mayWrite = mayWrite;
    this.fenceReason = why;
    return this;
  }
  public BooleanSupplier mayWrite() { return mayWrite; }
  public Supplier<String> fenceReason() { return fenceReason; }
  public int attempts() { return attempts; }
  public HttpsPullOptions attempts(int v) { attempts = v; return this; }

  /** Parses {@code --sha256 HEX}: 64 hex digits. */
  public static byte[] parseSha256(String hex) {
    String h = hex.strip().toLowerCase(Locale.ROOT);
    if (h.length() != 64) {
      throw new IllegalArgumentException("--sha256 takes 64 hex digits, got " + h.length() + " characters");
    }
    try {
      return HexFormat.of().parseHex(h);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--sha256 is not hex: " + hex);
    }
  }

  /** Parses {@code --header 'Name: value'}. */
  public static String[] parseHeader(String h) {
    int colon = h.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--header takes 'Name: value', got '" + h + "'");
    }
    String name = h.substring(0, colon).strip();
    String value = h.substring(colon + 1).strip();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        throw new IllegalArgumentException("--header name '" + name + "' is not a header name");
      }
    }
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("--header value of " + name + " holds a line break");
    }
    return new String[] {name, value};
  }

  /** Checks the options as a whole; a clear message for the first problem. */
  public void validate() {
    if (url == null || !"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
      throw new IllegalArgumentException("an HTTPS source is https://HOST[:PORT]/PATH, got " + url);
    }
    for (URI m : mirrors) {
      if (!"https".equalsIgnoreCase(m.getScheme()) || m.getHost() == null) {
        throw new IllegalArgumentException("a mirror is https://HOST[:PORT]/PATH, got " + m);
      }
    }
    if (destination == null) {
      throw new IllegalArgumentException("LOCAL_DIR is missing");
    }
    if (lanes < 1 || lanes > 64) {
      throw new IllegalArgumentException("--lanes must be 1..64, got " + lanes);
    }
    if (rateLimit < 0) {
      throw new IllegalArgumentException("the rate limit must be 0 (none) or more bytes per second, got " + rateLimit);
    }
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1");
    }
  }
}
