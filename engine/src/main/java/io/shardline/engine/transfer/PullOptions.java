package io.shardline.engine.transfer;

import io.shardline.engine.lane.Connector;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.wire.Protocol;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Options of a pull. Fluent setters, defaults as {@code DEFAULT_*} constants. */
public final class PullOptions {
  /** Lanes: one per core, at least 2. */
  public static final int DEFAULT_LANES = Math.max(2, Runtime.getRuntime().availableProcessors());
  public static final int DEFAULT_CHUNK_SIZE = Protocol.DEFAULT_CHUNK;
  /** GET requests a lane keeps outstanding. */
  public static final int DEFAULT_WINDOW = 4;
  /** Chunks a lane may have waiting for the disk before it pauses its socket. */
  public static final int DEFAULT_DISK_BACKLOG = 2;
  /** A lane with requests out and nothing received for this long is closed and reconnected. */
  public static final long DEFAULT_STALL_TIMEOUT_MS = 15_000;
  /** The pull fails when no chunk completed for this long. */
  public static final long DEFAULT_PROGRESS_TIMEOUT_MS = 60_000;
  public static final int DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  /** Tries per chunk (checksum failures, errors) before its file fails. */
  public static final int DEFAULT_MAX_CHUNK_ATTEMPTS = 5;

  private List<ShardlineUrl> sources = List.of();
  private Path destination;
  private int lanes = DEFAULT_LANES;
  private int chunkSize = DEFAULT_CHUNK_SIZE;
  private int window = DEFAULT_WINDOW;
  private int diskBacklog = DEFAULT_DISK_BACKLOG;
  private String token = "";
  private Trust trust;
  private long stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS;
  private long progressTimeoutMs = DEFAULT_PROGRESS_TIMEOUT_MS;
  private int connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  private int maxChunkAttempts = DEFAULT_MAX_CHUNK_ATTEMPTS;
  private Compression compression = Compression.AUTO;
  private long rateLimit;
  private boolean plaintextForTestsOnly;
  private Path clientCert;
  private Path clientKey;
  private ChunkSink.Factory sinks;
  /** Whether the server may list large unsummed files streamed (v4); a relay asks for complete manifests. */
  private boolean streamManifests = true;
  /** Sources one at a time, in order: the next only once the one in use is down. */
  private boolean failover;
  /** Another local tree with the previous version of the files (delta pull), or null. */
  private Path base;
  /** Hash every received chunk with SHA-256 too (else CRC32C; reused local bytes always by SHA-256). */
  private boolean verifyHashes;
  /** How connections are opened; null for TCP and TLS to each source. */
  private Connector connector;
  /** Sources reached with a trust and token of their own, by source; the rest use the pull's. */
  private Map<ShardlineUrl, SourceAccess> access = Map.of();

  /**
   * How one source is reached when it is not the pull's own trust and token: a relay of a
   * broadcast serves with a certificate and token of its own, beside an origin behind a CA and
   * the origin's token. No client certificate: relays ask for none.
   */
  public record SourceAccess(Trust trust, String token) {
    public SourceAccess {
      java.util.Objects.requireNonNull(trust, "trust");
      token = token == null ? "" : token;
    }
  }

  /** The preferred (first) source; null if none is set. */
  public ShardlineUrl source() { return sources.isEmpty() ? null : sources.get(0); }
  public PullOptions source(ShardlineUrl v) { sources = v == null ? List.of() : List.of(v); return this; }
  /** Every source of the same content, in order of preference (nearest first). */
  public List<ShardlineUrl> sources() { return sources; }
  public PullOptions sources(List<ShardlineUrl> v) { sources = List.copyOf(v); return this; }
  public Path destination() { return destination; }
  public PullOptions destination(Path v) { destination = v; return this; }
  public int lanes() { return lanes; }
  public PullOptions lanes(int v) { lanes = v; return this; }
  public int chunkSize() { return chunkSize; }
  public PullOptions chunkSize(int v) { chunkSize = v; return this; }
  public int window() { return window; }
  public PullOptions window(int v) { window = v; return this; }
  public int diskBacklog() { return diskBacklog; }
  public PullOptions diskBacklog(int v) { diskBacklog = v; return this; }
  public String token() { return token; }
  public PullOptions token(String v) { token = v == null ? "" : v; return this; }
  public Trust trust() { return trust; }
  public PullOptions trust(Trust v) { trust = v; return this; }
  public long stallTimeoutMs() { return stallTimeoutMs; }
  public PullOptions stallTimeoutMs(long v) { stallTimeoutMs = v; return this; }
  public long progressTimeoutMs() { return progressTimeoutMs; }
  public PullOptions progressTimeoutMs(long v) { progressTimeoutMs = v; return this; }
  public int connectTimeoutMs() { return connectTimeoutMs; }
  public PullOptions connectTimeoutMs(int v) { connectTimeoutMs = v; return this; }
  public Compression compression() { return compression; }
  public PullOptions compression(Compression v) { compression = v; return this; }
  /** Wire bytes per second over all lanes, or 0 for no limit. */
  public long rateLimit() { return rateLimit; }
  public PullOptions rateLimit(long v) { rateLimit = v; return this; }
  /** TEST ONLY: connect without TLS (see {@code ServeOptions#plaintextForTestsOnly}). */
  public boolean plaintextForTestsOnly() { return plaintextForTestsOnly; }
  public PullOptions plaintextForTestsOnly(boolean v) { plaintextForTestsOnly = v; return this; }
  /** PEM client certificate presented to servers that require one (mutual TLS), or null. */
  public Path clientCert() { return clientCert; }
  public PullOptions clientCert(Path v) { clientCert = v; return this; }
  /** PEM private key of {@link #clientCert()}, or null. */
  public Path clientKey() { return clientKey; }
  public PullOptions clientKey(Path v) { clientKey = v; return this; }
  /**
   * Where received files go: null (the default) for files under {@link #destination()}
   * ({@code storage.LocalDestination}); another {@link ChunkSink.Factory} for other storage.
   */
  public ChunkSink.Factory sinks() { return sinks; }
  public PullOptions sinks(ChunkSink.Factory v) { sinks = v; return this; }
  public boolean streamManifests() { return streamManifests; }
  /**
   * False: ask the server for complete manifests only (it sums a cold file before it answers), for
   * a relay, which serves every chunk against the upstream's CRCs as soon as it has it.
   */
  public PullOptions streamManifests(boolean v) { streamManifests = v; return this; }
  public boolean verifyHashes() { return verifyHashes; }
  /**
   * True: every received chunk is hashed (SHA-256) and checked against the manifest's hash, and the
   * root checked before a publish is computed from those hashes, so the file's digest is checked
   * end to end from its bytes. False (the default): a received chunk is checked by its CRC32C
   * against the manifest (as before v6; the bytes crossed an authenticated TLS link from the
   * server the pull trusts), and only bytes reused from an older local version are hashed. The
   * hashing costs ~0.7 CPU-s per GB on this machine's cores (OpenSSL with SHA-NI).
   */
  public PullOptions verifyHashes(boolean v) { verifyHashes = v; return this; }
  public Path base() { return base; }
  /**
   * A local folder holding an older version of the tree being pulled (the previous checkpoint):
   * every chunk it holds at the same offset of the file of the same name, with the manifest's
   * SHA-256, is copied from it instead of fetched. The destination's own older files are used so
   * without this option.
   */
  public PullOptions base(Path v) { base = v; return this; }
  public boolean failover() { return failover; }
  /**
   * True: every lane pulls from the first source while it works; when all of its lanes have been
   * down for a second (or it failed for good), they move to the next source that works, and so
   * on. For relays in a chain or tree: the parent first, the hops above it only when it dies,
   * so the origin sends one copy. False (the default): lanes are spread over all sources.
   */
  public PullOptions failover(boolean v) { failover = v; return this; }
  public Connector connector() { return connector; }
  /**
   * Opens every connection through {@code v} instead of TCP and TLS to the sources' addresses
   * (v7 push: a server pulls over connections its pusher opened, see {@code push/}); null for
   * the default. The sources' hosts and ports then only name them.
   */
  public PullOptions connector(Connector v) { connector = v; return this; }
  /** The trust and token of {@code source}: its own if {@link #access(ShardlineUrl, SourceAccess)} gave one, else the pull's. */
  public SourceAccess access(ShardlineUrl source) {
    SourceAccess a = access.get(source);
    return a != null ? a : new SourceAccess(trust == null ? new Trust.Insecure() : trust, token);
  }
  /** Whether {@code source} has a trust and token of its own. */
  public boolean hasOwnAccess(ShardlineUrl source) { return access.containsKey(source); }
  /** Reaches {@code source} with its own trust and token (and no client certificate) instead of the pull's. */
  public PullOptions access(ShardlineUrl source, SourceAccess v) {
    Map<ShardlineUrl, SourceAccess> next = new HashMap<>(access);
    next.put(source, v);
    access = Map.copyOf(next);
    return this;
  }
  public int maxChunkAttempts() { return maxChunkAttempts; }
  public PullOptions maxChunkAttempts(int v) { maxChunkAttempts = v; return this; }

  /**
   * The chunk size a pull lists with: {@code requested}, doubled until it is at least
   * {@code minChunkBytes} (a destination's minimum part size, {@code ChunkSink.Factory#minChunkBytes}),
   * so the default 4 MiB becomes 8 MiB for S3's 5 MiB parts; never above the protocol's maximum
   * (a destination asking for more cannot be served: IllegalArgumentException). Pure.
   */
  public static int chunkSizeFor(int requested, int minChunkBytes) {
    if (requested < 1) {
      throw new IllegalArgumentException("chunk size " + requested);
    }
    long size = requested;
    while (size < minChunkBytes) {
      size *= 2;
    }
    if (size > Protocol.MAX_CHUNK) {
      throw new IllegalArgumentException("the destination needs chunks of at least " + minChunkBytes
          + " bytes, more than the protocol's " + Protocol.MAX_CHUNK);
    }
    return (int) size;
  }

  /** Checks ranges; throws IllegalArgumentException with a message for the user. */
  public PullOptions validate() {
    if (sources.isEmpty() || destination == null || trust == null) {
      throw new IllegalArgumentException("source, destination and trust are required");
    }
    if (sources.size() > lanes && !failover) {
      throw new IllegalArgumentException(sources.size() + " sources need at least as many --lanes, got " + lanes);
    }
    if (lanes < 1 || lanes > 64) {
      throw new IllegalArgumentException("--lanes must be 1..64, got " + lanes);
    }
    if (chunkSize < Protocol.MIN_CHUNK || chunkSize > Protocol.MAX_CHUNK) {
      throw new IllegalArgumentException("--chunk-size must be " + Protocol.MIN_CHUNK + ".." + Protocol.MAX_CHUNK + " bytes, got " + chunkSize);
    }
    if (window < 1 || window > 64 || diskBacklog < 1) {
      throw new IllegalArgumentException("window must be 1..64 and disk backlog at least 1");
    }
    return this;
  }
}
