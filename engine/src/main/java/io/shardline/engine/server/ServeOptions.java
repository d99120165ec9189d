package io.shardline.engine.server;

import io.shardline.engine.storage.ReadFaults;
import java.nio.file.Path;

/** Options of a serving node. Fluent setters, defaults as {@code DEFAULT_*} constants. */
public final class ServeOptions {
  /** Listen on loopback unless told otherwise. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Port 7700; 0 picks a free port. */
  public static final int DEFAULT_PORT = 7700;
  /** Most files one LIST may return. */
  public static final int DEFAULT_MAX_FILES = 1_000_000;
  /** Time a client has to complete TLS and HELLO. */
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
  /** Authenticated lanes (past HELLO and its token) one client address may hold open at once, over all its pulls. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
  /**
   * Unauthenticated connections (TCP accepted, TLS or HELLO not done) from one address; a newer
   * one over this evicts the oldest of that address ({@code HandshakeGate}).
   */
  public static final int DEFAULT_MAX_HANDSHAKES_PER_ADDRESS = 64;
  /** Unauthenticated connections over all addresses; a newer one over this evicts the oldest. */
  public static final int DEFAULT_MAX_HANDSHAKES = 512;
  /** A connection with no traffic either way for this long is closed. */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
  /** zstd level for the zstd and planes codecs: 1 is fast and already shrinks floats well. */
  public static final int DEFAULT_ZSTD_LEVEL = 1;
  /**
   * Distinct chunk sizes, besides the default 4 MiB, that the server computes manifests for at
   * a time (each costs a full read of every listed file); see {@code ChunkSizeBudget}.
   */
  public static final int DEFAULT_MAX_CHUNK_SIZES = 3;
  /** A chunk size unused for this long makes room for another. */
  public static final long DEFAULT_CHUNK_SIZE_IDLE_MS = 10 * 60 * 1000;
  /**
   * Bytes a lane may have queued for writing before it stops reading requests. A GET larger than
   * this (chunks go up to 64 MiB) is served alone on its lane: nothing else of that lane is read
   * while it is in flight. Every chunk also counts against the node's memory budget.
   */
  public static final int DEFAULT_LANE_WRITE_WINDOW = 16 * 1024 * 1024;
  /**
   * Node-wide budget for chunk buffers in bytes (read from disk and not yet written to the kernel,
   * over all lanes); 0 means {@link #defaultMemoryBudget()}, a quarter of the direct memory cap.
   */
  public static final long DEFAULT_MEMORY_BUDGET = 0;
  /** Smallest memory budget accepted: one default-size chunk. */
  public static final long MIN_MEMORY_BUDGET = 4 * 1024 * 1024;
  /**
   * While requests wait for the memory budget, a lane that holds chunks and whose client has read
   * nothing for this long is closed, giving its chunks back.
   */
  public static final long DEFAULT_SLOW_READER_TIMEOUT_MS = 5_000;
  /**
   * A relay's wait for a chunk it has not received yet, before it answers NOT_YET: long enough that
   * a downstream just behind it gets the chunk the moment it lands, well under a pull's stall
   * timeout (15 s).
   */
  public static final long DEFAULT_NOT_YET_WAIT_MS = 3_000;
  /**
   * A file at least this large that has no manifest yet is listed streamed (v4) to clients that
   * allow it: its chunks flow while its sums are computed, so the first byte does not wait for a
   * full read of the file. Smaller files are summed before they are listed.
   */
  public static final long DEFAULT_STREAM_MANIFESTS_FROM = 64L * 1024 * 1024;

  private Path root;
  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private String token;
  private Path certPem;
  private Path keyPem;
  private Path stateDir;
  private int maxFiles = DEFAULT_MAX_FILES;
  private long handshakeTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS;
  private int laneWriteWindow = DEFAULT_LANE_WRITE_WINDOW;
  private int instances = io.vertx.core.VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
  private FaultHook faultHook = FaultHook.NONE;
  private ReadFaults readFaults = ReadFaults.NONE;
  private long rateLimit;
  private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  private int idleTimeoutSeconds = DEFAULT_IDLE_TIMEOUT_SECONDS;
  private boolean plaintextForTestsOnly;
  private int zstdLevel = DEFAULT_ZSTD_LEVEL;
  private Path clientCa;
  private int maxChunkSizes = DEFAULT_MAX_CHUNK_SIZES;
  private long chunkSizeIdleMs = DEFAULT_CHUNK_SIZE_IDLE_MS;
  private int maxHandshakesPerAddress = DEFAULT_MAX_HANDSHAKES_PER_ADDRESS;
  private int maxHandshakes = DEFAULT_MAX_HANDSHAKES;
  private long memoryBudget = DEFAULT_MEMORY_BUDGET;
  private long slowReaderTimeoutMs = DEFAULT_SLOW_READER_TIMEOUT_MS;
  /** How long a GET for a chunk a filling source (a relay) has not received yet waits before NOT_YET. */
  private long notYetWaitMs = DEFAULT_NOT_YET_WAIT_MS;
  private long streamManifestsFrom = DEFAULT_STREAM_MANIFESTS_FROM;
  private String pushToken;
  private PushAcceptor pushAcceptor;

  /**
   * A quarter of the JVM's direct memory cap ({@code -XX:MaxDirectMemorySize}, as Netty reads
   * it), at least {@link #MIN_MEMORY_BUDGET}: a chunk briefly exists twice (plaintext and TLS
   * records), and two buffer pools (chunks, TLS) keep some slack.
   */
  public static long defaultMemoryBudget() {
    return Math.max(MIN_MEMORY_BUDGET, io.netty.util.internal.PlatformDependent.maxDirectMemory() / 4);
  }

  public Path root() { return root; }
  public ServeOptions root(Path v) { root = v; return this; }
  public long streamManifestsFrom() { return streamManifestsFrom; }
  /** Files this large or larger without a manifest are listed streamed (Long.MAX_VALUE: never). */
  public ServeOptions streamManifestsFrom(long v) { streamManifestsFrom = v; return this; }
  public String host() { return host; }
  public ServeOptions host(String v) { host = v; return this; }
  public int port() { return port; }
  public ServeOptions port(int v) { port = v; return this; }
  /** The token clients must present, or null for none. */
  /** The token a push must present (v7, {@code --push-token-file}); null: the node takes no pushes. */
  public String pushToken() { return pushToken; }
  public ServeOptions pushToken(String v) { pushToken = v; return this; }
  /** What runs the pushes this node takes (the push package's receiver); used only with a push token. */
  public PushAcceptor pushAcceptor() { return pushAcceptor; }
  public ServeOptions pushAcceptor(PushAcceptor v) { pushAcceptor = v; return this; }
  public String token() { return token; }
  public ServeOptions token(String v) { token = v; return this; }
  public Path certPem() { return certPem; }
  public ServeOptions certPem(Path v) { certPem = v; return this; }
  public Path keyPem() { return keyPem; }
  public ServeOptions keyPem(Path v) { keyPem = v; return this; }
  /**
   * PEM bundle of CA certificates; when set, every client must present a certificate signed by
   * one of them (mutual TLS), besides the token. Null: no client certificates are asked for.
   */
  public Path clientCa() { return clientCa; }
  public ServeOptions clientCa(Path v) { clientCa = v; return this; }
  /** Where the self-signed certificate and manifest cache live. */
  public Path stateDir() { return stateDir; }
  public ServeOptions stateDir(Path v) { stateDir = v; return this; }
  public int maxFiles() { return maxFiles; }
  public ServeOptions maxFiles(int v) { maxFiles = v; return this; }
  public long handshakeTimeoutMs() { return handshakeTimeoutMs; }
  public ServeOptions handshakeTimeoutMs(long v) { handshakeTimeoutMs = v; return this; }
  public int laneWriteWindow() { return laneWriteWindow; }
  public ServeOptions laneWriteWindow(int v) { laneWriteWindow = v; return this; }
  /** Server verticle instances: by default one per event loop of a default Vert.x instance (2 x cores). */
  public int instances() { return instances; }
  public ServeOptions instances(int v) { instances = v; return this; }
  /** Total bytes per second over all lanes (wire bytes), or 0 for no limit. */
  public long rateLimit() { return rateLimit; }
  public ServeOptions rateLimit(long v) { rateLimit = v; return this; }
  public int maxConnectionsPerAddress() { return maxConnectionsPerAddress; }
  public ServeOptions maxConnectionsPerAddress(int v) { maxConnectionsPerAddress = v; return this; }
  /** Unauthenticated connections per address; see {@link #DEFAULT_MAX_HANDSHAKES_PER_ADDRESS}. */
  public int maxHandshakesPerAddress() { return maxHandshakesPerAddress; }
  public ServeOptions maxHandshakesPerAddress(int v) { maxHandshakesPerAddress = v; return this; }
  /** Unauthenticated connections in all; see {@link #DEFAULT_MAX_HANDSHAKES}. */
  public int maxHandshakes() { return maxHandshakes; }
  public ServeOptions maxHandshakes(int v) { maxHandshakes = v; return this; }
  /** Node-wide chunk memory budget in bytes, or 0 for {@link #defaultMemoryBudget()}; see {@link #DEFAULT_MEMORY_BUDGET}. */
  public long memoryBudget() { return memoryBudget; }
  public ServeOptions memoryBudget(long v) { memoryBudget = v; return this; }
  /** The budget in effect: {@link #memoryBudget()}, or the default when that is 0. */
  public long effectiveMemoryBudget() { return memoryBudget > 0 ? memoryBudget : defaultMemoryBudget(); }
  /** See {@link #DEFAULT_SLOW_READER_TIMEOUT_MS}. */
  public long slowReaderTimeoutMs() { return slowReaderTimeoutMs; }
  public ServeOptions slowReaderTimeoutMs(long v) { slowReaderTimeoutMs = v; return this; }
  public long notYetWaitMs() { return notYetWaitMs; }
  public ServeOptions notYetWaitMs(long v) { notYetWaitMs = v; return this; }

  /** Why {@code bytes} is not a usable memory budget, or null if it is (0 is: it means the default). */
  public static String checkMemoryBudget(long bytes) {
    if (bytes == 0) {
      return null;
    }
    if (bytes < MIN_MEMORY_BUDGET) {
      return "memory budget " + bytes + " bytes is below the minimum of " + MIN_MEMORY_BUDGET / (1024 * 1024)
          + " MiB (one 4 MiB chunk)";
    }
    long cap = io.netty.util.internal.PlatformDependent.maxDirectMemory();
    if (bytes > cap) {
      return "memory budget " + bytes / (1024 * 1024) + " MiB is above the JVM's direct memory cap of "
          + cap / (1024 * 1024) + " MiB (-XX:MaxDirectMemorySize); half of it or less leaves room for TLS buffers";
    }
    return null;
  }
  public int idleTimeoutSeconds() { return idleTimeoutSeconds; }
  public ServeOptions idleTimeoutSeconds(int v) { idleTimeoutSeconds = v; return this; }
  /**
   * TEST ONLY: serve without TLS, so fault-injection tests can flip bits that reach the CRC32C
   * checks instead of TLS's AEAD. Not reachable from the command line.
   */
  public boolean plaintextForTestsOnly() { return plaintextForTestsOnly; }
  public ServeOptions plaintextForTestsOnly(boolean v) { plaintextForTestsOnly = v; return this; }
  public int maxChunkSizes() { return maxChunkSizes; }
  public ServeOptions maxChunkSizes(int v) { maxChunkSizes = v; return this; }
  public long chunkSizeIdleMs() { return chunkSizeIdleMs; }
  public ServeOptions chunkSizeIdleMs(long v) { chunkSizeIdleMs = v; return this; }
  public int zstdLevel() { return zstdLevel; }
  public ServeOptions zstdLevel(int v) { zstdLevel = v; return this; }
  /** Test hook: corrupt or drop chunks on purpose. Not reachable from the CLI. */
  public FaultHook faultHook() { return faultHook; }
  public ServeOptions faultHook(FaultHook v) { faultHook = v; return this; }
  /** Test hook: fail reads of the served files as a failing disk would. Not reachable from the CLI. */
  public ReadFaults readFaults() { return readFaults; }
  public ServeOptions readFaults(ReadFaults v) { readFaults = v; return this; }
}
