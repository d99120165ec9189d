package io.shardline.engine.push;

import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.Compression;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.ShardlineUrl;
import io.shardline.engine.wire.Protocol;
import java.nio.file.Path;

/** Options of a push (v7). Fluent setters; the defaults are a pull's. */
public final class PushOptions {
  private Path local;
  private ShardlineUrl target;
  private String token = "";
  private Trust trust;
  private Path clientCert;
  private Path clientKey;
  private int lanes = PullOptions.DEFAULT_LANES;
  private int chunkSize = PullOptions.DEFAULT_CHUNK_SIZE;
  private Compression compression = Compression.AUTO;
  private boolean verifyHashes;
  private int connectTimeoutMs = PullOptions.DEFAULT_CONNECT_TIMEOUT_MS;
  private long progressTimeoutMs = PullOptions.DEFAULT_PROGRESS_TIMEOUT_MS;
  private boolean plaintextForTestsOnly;
  private long rateLimit;
  private Path stateDir;
  private boolean sync;
  private boolean delete;
  private boolean dryRun;

  /** The local file or folder pushed (a folder's contents land directly in the remote folder). */
  public Path local() { return local; }
  public PushOptions local(Path v) { local = v; return this; }
  /** The node and the folder of its served tree the files land in. */
  public ShardlineUrl target() { return target; }
  public PushOptions target(ShardlineUrl v) { target = v; return this; }
  /** The node's push token ({@code serve --push-token-file}); its read token never writes. */
  public String token() { return token; }
  public PushOptions token(String v) { token = v == null ? "" : v; return this; }
  public Trust trust() { return trust; }
  public PushOptions trust(Trust v) { trust = v; return this; }
  public Path clientCert() { return clientCert; }
  public PushOptions clientCert(Path v) { clientCert = v; return this; }
  public Path clientKey() { return clientKey; }
  public PushOptions clientKey(Path v) { clientKey = v; return this; }
  /** Connections the node pulls over (it asks for each; the pusher opens it). */
  public int lanes() { return lanes; }
  public PushOptions lanes(int v) { lanes = v; return this; }
  public int chunkSize() { return chunkSize; }
  public PushOptions chunkSize(int v) { chunkSize = v; return this; }
  /** What the node asks this pusher to compress with, as {@code pull --compression}. */
  public Compression compression() { return compression; }
  public PushOptions compression(Compression v) { compression = v; return this; }
  /** The node hashes every chunk it receives, as {@code pull --verify-hashes}. */
  public boolean verifyHashes() { return verifyHashes; }
  public PushOptions verifyHashes(boolean v) { verifyHashes = v; return this; }
  public int connectTimeoutMs() { return connectTimeoutMs; }
  public PushOptions connectTimeoutMs(int v) { connectTimeoutMs = v; return this; }
  /**
   * How long a push keeps trying again after it lost its node (a node restarting): each new try
   * resumes what the node verified before. Also the node's pull's progress timeout.
   */
  public long progressTimeoutMs() { return progressTimeoutMs; }
  public PushOptions progressTimeoutMs(long v) { progressTimeoutMs = v; return this; }
  /**
   * Where this side keeps the sums (CRC32C and SHA-256 per chunk) of the files it pushed, per file
   * version, so pushing an unchanged file again (a resume, a sync) does not read it twice; null:
   * in memory for this push only.
   */
  public Path stateDir() { return stateDir; }
  public PushOptions stateDir(Path v) { stateDir = v; return this; }
  /** Wire bytes per second this side sends over all connections, 0 for no limit. */
  public long rateLimit() { return rateLimit; }
  public PushOptions rateLimit(long v) { rateLimit = v; return this; }
  /** A sync (issue 13): the node compares its folder first and answers with the sync log. */
  public boolean sync() { return sync; }
  public PushOptions sync(boolean v) { sync = v; return this; }
  /** With {@link #sync()}: then the node deletes the folder's files this push does not list. */
  public boolean delete() { return delete; }
  public PushOptions delete(boolean v) { delete = v; return this; }
  /** With {@link #sync()}: the node only compares, and writes nothing. */
  public boolean dryRun() { return dryRun; }
  public PushOptions dryRun(boolean v) { dryRun = v; return this; }
  /** TEST ONLY: connect without TLS. */
  public boolean plaintextForTestsOnly() { return plaintextForTestsOnly; }
  public PushOptions plaintextForTestsOnly(boolean v) { plaintextForTestsOnly = v; return this; }

  /** Checks ranges; throws IllegalArgumentException with a message for the user. */
  public PushOptions validate() {
    if (local == null || target == null || trust == null) {
      throw new IllegalArgumentException("local path, target and trust are required");
    }
    if ((delete || dryRun) && !sync) {
      throw new IllegalArgumentException("--delete and --dry-run are for a sync");
    }
    if (lanes < 1 || lanes > PushReceiver.MAX_LANES) {
      throw new IllegalArgumentException("--lanes must be 1.." + PushReceiver.MAX_LANES + " for a push, got " + lanes);
    }
    if (chunkSize < Protocol.MIN_CHUNK || chunkSize > Protocol.MAX_CHUNK) {
      throw new IllegalArgumentException("--chunk-size must be " + Protocol.MIN_CHUNK + ".." + Protocol.MAX_CHUNK
          + " bytes, got " + chunkSize);
    }
    return this;
  }
}
