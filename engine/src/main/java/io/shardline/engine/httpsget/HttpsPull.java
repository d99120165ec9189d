package io.shardline.engine.httpsget;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.Sha256;
import io.shardline.engine.lane.Backoff;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.LocalChunkSink;
import io.shardline.engine.storage.LocalDestination;
import io.shardline.engine.tls.TlsAlerts;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.wire.FrameSocket;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pull of one file from an HTTPS server by parallel range requests ({@code pull https://}):
 * <ol>
 *   <li>a probe ({@code GET} of byte 0, redirects followed) gives the size and the validators
 *       ({@link SourceVersion}) and the URL the ranges go to (where the redirects led);
 *   <li>the file's partial state from an earlier run of the same version is checked and kept (the
 *       journal's root is the version's {@linkplain SourceVersion#identity() identity}; every
 *       journalled chunk is read back and checked against the CRC it was journalled with);
 *   <li>N lanes, each on its own event loop and connection, take runs of consecutive chunks (up
 *       to {@link #MAX_RUN_CHUNKS}, fewer towards the end) from one queue and fetch each run as one
 *       {@code Range} request, so a connection streams back to back as curl's or aria2c's does;
 *       every answer must be a 206 of exactly that range and of the same version, else the pull
 *       fails and nothing is published; 5xx, 408, 429, broken connections and stalls are retried
 *       with backoff for the chunks of the run not yet in;
 *   <li>each chunk is handed to a disk worker the moment its last byte is in, while the rest of
 *       its run streams on, and is written in place into the partial file and journalled (as any
 *       pull's); a lane with {@link #MAX_WRITES_PER_LANE} chunks being written pauses its answer;
 *   <li>with {@code --sha256}, the file's digest (computed while chunks arrive,
 *       {@link PrefixDigest}) must match; then fsync and atomic rename.
 * </ol>
 * Memory: a lane holds the chunk it fills and at most {@link #MAX_WRITES_PER_LANE} being written
 * (plus, with {@code --sha256}, a bounded number of chunks that arrived early).
 */
public final class HttpsPull {
  private static final Logger LOG = LoggerFactory.getLogger(HttpsPull.class);
  /**
   * The largest piece of a body the HTTP decoder hands on at once (Vert.x's default is 8 KiB:
   * a 4 MiB range would arrive as 512 pieces, each copied and dispatched on its own).
   */
  static final int MAX_BODY_PIECE = 256 * 1024;
  /** How often the resume journal is flushed while chunks arrive. */
  static final long JOURNAL_FLUSH_MS = 500;
  /** The most chunks one range request asks for (a lane streams them back to back). */
  static final int MAX_RUN_CHUNKS = 8;
  /** The same with {@code --sha256}, so chunks arrive near file order for the digest. */
  static final int DIGEST_RUN_CHUNKS = 2;
  /** Chunks of one lane being written at once; past that its answer pauses (and the server with it). */
  static final int MAX_WRITES_PER_LANE = 2;
  /** The rate limiter's smallest burst: one body piece. */
  private static final long MIN_BURST = MAX_BODY_PIECE;

  private final Vertx vertx;
  private final HttpsPullOptions o;
  private final ArrayDeque<Integer> queue = new ArrayDeque<>();
  private final AtomicInteger retries = new AtomicInteger();
  private final Promise<Void> fetched = Promise.promise();
  private final Promise<Void> cancelled = Promise.promise();
  private final TransferCounters counters = new TransferCounters();
  /** Range bodies still arriving: failed (and their buffers released) when the run ends. */
  private final Set<RangeRun> bodies = ConcurrentHashMap.newKeySet();
  /** The payload rate limit over all lanes (rate 0: none); a body piece past it pauses its answer. */
  private final TokenBucket bucket = TokenBucket.of(1, MIN_BURST, System.nanoTime());
  /** The probe's client, lane 0's too. */
  private HttpClient client;
  /** The event loop the probe and lane 0 run on. */
  private Context probeContext;
  /** The lanes' clients, one connection each, closed at the end. */
  private final List<HttpClient> laneClients = new ArrayList<>();
  /** Set once the run's end began: no request may start after it. */
  private volatile boolean ended;
  private WorkerExecutor disk;
  private long started;
  private volatile long firstByte;
  private URI target;
  private SourceVersion version;
  /** Every URL ranges are asked of (the first URL's target, then the mirrors that serve its version), and their versions. */
  private final List<URI> targets = new ArrayList<>();
  private final List<SourceVersion> versions = new ArrayList<>();
  /** Mirrors set aside at the probe, with why. */
  private final List<String> setAside = new ArrayList<>();
  /** Mirrors still to probe once the first URL is known. */
  private final List<URI> pending = new ArrayList<>();
  private LocalDestination destination;
  private LocalChunkSink sink;
  private FileManifest listed;
  private int[] crcs;
  private BitSet have = new BitSet();
  private PrefixDigest digest;
  private int lanesLeft;
  private int resumedChunks;
  private long resumedBytes;

  public HttpsPull(Vertx vertx, HttpsPullOptions options) {
    this.vertx = vertx;
    this.o = options;
    bucket.rate(options.rateLimit(), System.nanoTime());
  }

  /** Live counters (bytes written and resumed, the file's size, ranges retried, lanes busy), for progress views. */
  public TransferCounters counters() {
    return counters;
  }

  /**
   * Stops the pull: ranges in flight are dropped, what was written stays journalled for the next
   * run, nothing is published, and the result fails with {@code CANCELLED} and {@code reason}.
   */
  public void cancel(String reason) {
    ShardlineException e = new ShardlineException(ErrorCode.CANCELLED, reason);
    cancelled.tryFail(e);
    fetched.tryFail(e);
  }

  /** Changes the payload rate limit at once (bytes per second over all lanes; 0 lifts it). */
  public void rateLimit(long bytesPerSecond) {
    bucket.rate(bytesPerSecond, System.nanoTime());
  }

  /** Runs the pull; never fails: a failure is a result with errors (and nothing published). */
  public Future<HttpsPullResult> run() {
    started = System.nanoTime();
    try {
      o.validate();
      client = newClient();
    } catch (RuntimeException e) {
      return Future.succeededFuture(result(false, null, List.of(e.getMessage())));
    }
    disk = vertx.createSharedWorkerExecutor("shardline-https-pull-" + System.identityHashCode(this),
        Math.max(2, o.lanes()));
    // The probe runs on the event loop lane 0 will run on, so its connection (TLS done) carries
    // lane 0's ranges too: one handshake fewer before the first byte.
    probeContext = ((VertxInternal) vertx).createEventLoopContext();
    Promise<Void> probed = Promise.promise();
    probeContext.runOnContext(v -> probe(1).onComplete(probed));
    return probed.future()
        .compose(v -> probeMirrors())
        .compose(v -> unlessCancelled())
        .compose(v -> disk.executeBlocking(this::prepare, false))
        .compose(v -> unlessCancelled())
        .compose(v -> fetchAll())
        .compose(v -> unlessCancelled())
        .compose(v -> disk.executeBlocking(this::publish, false))
        .map(sha -> result(true, sha, List.of()))
        .recover(t -> disk.executeBlocking(() -> {
          abort(t);
          return result(false, null, List.of(message(t)));
        }, false))
        .eventually(() -> {
          ended = true; // a range's retry still waiting on its timer must not use the closed clients
          ShardlineException over = new ShardlineException(ErrorCode.CANCELLED, "the pull ended");
          bodies.forEach(b -> b.fail(over)); // answers that never reported their connection's end
          return closeClients();
        }).andThen(ar -> disk.close());
  }

  /**
   * An HTTP client with one connection: the probe's (then lane 0's), and one per further lane,
   * each made on its lane's event loop, so a lane's answers are decoded on the loop that reads them (a connection shared
   * through one pool would often belong to another lane's loop, and every body piece would cross
   * threads).
   */
  private HttpClient newClient() {
    return vertx.httpClientBuilder()
        .with(TlsSupport.https(o.trust(), o.connectTimeoutMs()).setKeepAlive(true).setMaxRedirects(8)
            .setMaxChunkSize(MAX_BODY_PIECE)
            .setDecompressionSupported(false))
        .with(new PoolOptions().setHttp1MaxSize(1))
        .build();
  }

  private Future<Void> closeClients() {
    List<Future<Void>> closed = new ArrayList<>();
    synchronized (laneClients) {
      laneClients.forEach(c -> closed.add(c.close()));
    }
    closed.add(client.close());
    return Future.join(closed).mapEmpty();
  }

  /** Fails with the cancellation, if {@link #cancel} was called: checked between the steps. */
  private Future<Void> unlessCancelled() {
    return cancelled.future().failed() ? Future.failedFuture(cancelled.future().cause()) : Future.succeededFuture();
  }

  private RequestOptions request(URI uri, String range) {
    RequestOptions r = new RequestOptions().setAbsoluteURI(uri.toString()).setMethod(HttpMethod.GET)
        .setFollowRedirects(true).setIdleTimeout(o.stallTimeoutMs()).putHeader("Range", range)
        .putHeader("Accept-Encoding", "identity");
    for (String[] h : o.headers()) {
      r.putHeader(h[0], h[1]);
    }
    return r;
  }

  /**
   * Step 1: byte 0 of the first URL, for the size, the validators and the URL the redirects lead
   * to; when it cannot be probed, of the first mirror that can (the others are then its mirrors).
   */
  private Future<Void> probe(int attempt) {
    return probe(o.url(), attempt).map(found -> {
      first(found);
      pending.addAll(o.mirrors());
      return (Void) null;
    }).recover(t -> {
      if (o.mirrors().isEmpty() || t instanceof ShardlineException e && e.code() == ErrorCode.UNTRUSTED_PEER) {
        return Future.failedFuture(t);
      }
      setAside.add(o.url() + ": " + message(t));
      return probeNext(new ArrayList<>(o.mirrors()), t);
    });
  }

  /** The first of {@code left} that can be probed becomes the first URL; the rest are its mirrors. */
  private Future<Void> probeNext(List<URI> left, Throwable firstFailure) {
    if (left.isEmpty()) {
      return Future.failedFuture(firstFailure);
    }
    URI m = left.remove(0);
    return probe(m, o.attempts()).map(found -> {
      first(found);
      pending.addAll(left);
      return (Void) null;
    }).recover(t -> {
      setAside.add(m + ": " + message(t));
      return probeNext(left, firstFailure);
    });
  }

  private void first(Probed found) {
    version = found.version();
    target = found.target();
    targets.add(target);
    versions.add(version);
  }

  /** What a probe found: the version a URL serves and where its redirects lead. */
  private record Probed(SourceVersion version, URI target) {}

  /**
   * Each mirror's byte 0: a mirror is used only when it serves the first URL's size and, without
   * {@code --sha256}, the same validators (so a range from it is the same file); else it is set
   * aside, and so is one that cannot be probed. The pull goes on from the URLs that agree.
   */
  private Future<Void> probeMirrors() {
    Future<Void> all = Future.succeededFuture();
    for (URI m : pending) {
      all = all.compose(v -> probe(m, o.attempts()).transform(ar -> {
        if (ar.failed()) {
          setAside.add(m + ": " + message(ar.cause()));
        } else if (ar.result().version().size() != version.size()) {
          setAside.add(m + ": serves " + ar.result().version().size() + " bytes, " + target + " " + version.size());
        } else if (o.sha256() == null && !ar.result().version().sameValidators(version)) {
          setAside.add(m + ": another ETag/Last-Modified than " + target + " (give --sha256 to use it anyway)");
        } else {
          targets.add(ar.result().target());
          versions.add(ar.result().version());
        }
        return Future.succeededFuture();
      }));
    }
    return all.andThen(ar -> setAside.forEach(why -> LOG.info("mirror set aside: {}", why)));
  }

  private Future<Probed> probe(URI url, int attempt) {
    return client.request(request(url, "bytes=0-0")).compose(req -> req.send()).<Probed>compose(resp -> {
      int status = resp.statusCode();
      if (status == 206 || status == 416) {
        long[] cr = SourceVersion.contentRange(resp.getHeader("Content-Range"));
        if (cr == null || (status == 206 && cr[0] != 0)) {
          return resp.body().compose(b -> Future.<Probed>failedFuture(new ShardlineException(ErrorCode.BAD_RESPONSE,
              "the server answered a range request for byte 0 with Content-Range " + resp.getHeader("Content-Range"))));
        }
        Probed p = new Probed(new SourceVersion(cr[2], resp.getHeader("ETag"), resp.getHeader("Last-Modified")),
            URI.create(resp.request().absoluteURI()));
        return resp.body().map(b -> p);
      }
      if (status == 200 && "0".equals(resp.getHeader("Content-Length"))) {
        // an empty file: some servers (nginx) answer a range of it with the whole, empty, file
        Probed p = new Probed(new SourceVersion(0, resp.getHeader("ETag"), resp.getHeader("Last-Modified")),
            URI.create(resp.request().absoluteURI()));
        return resp.body().map(b -> p);
      }
      if (status == 200) {
        resp.request().reset(); // the whole file is on its way: not wanted here
        return Future.failedFuture(new ShardlineException(ErrorCode.BAD_RESPONSE, "the server at " + url.getHost()
            + " does not serve byte ranges (it answered 200 to a range request), so the file cannot be pulled in"
            + " parallel or resumed; fetch it with curl instead"));
      }
      return resp.body().compose(b -> Future.<Probed>failedFuture(statusError(status,
          b.toString(StandardCharsets.UTF_8))));
    }).recover(t -> this.<Probed>retry(t, attempt, "the probe of " + url, () -> probe(url, attempt + 1)));
  }

  private <T> Future<T> retry(Throwable t, int attempt, String what, Supplier<Future<T>> again) {
    if (TlsAlerts.isTlsFailure(t) && !(t instanceof ShardlineException)) {
      return Future.failedFuture(new ShardlineException(ErrorCode.UNTRUSTED_PEER, "TLS with " + o.url().getHost()
          + " failed: " + tlsReason(t) + " (the server's certificate must be issued by a CA of --ca FILE or of the"
          + " system, for the host name or IP address in the URL; --insecure skips the check)", t));
    }
    if (cancelled.future().failed()) {
      return Future.failedFuture(cancelled.future().cause());
    }
    if (!retryable(t) || attempt >= o.attempts()) {
      return Future.failedFuture(t);
    }
    retries.incrementAndGet();
    counters.retriedChunks.increment();
    long delay = Backoff.DEFAULT.delayMs(attempt, ThreadLocalRandom.current().nextDouble());
    LOG.info("{} failed ({}), try {} of {} in {} ms", what, t.getMessage(), attempt + 1, o.attempts(), delay);
    Promise<T> p = Promise.promise();
    vertx.setTimer(Math.max(1, delay), id -> again.get().onComplete(p));
    return p.future();
  }

  /** The innermost message of a TLS failure: the reason the verifier gave. */
  private static String tlsReason(Throwable t) {
    String reason = t.toString();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null) {
        reason = c.getMessage();
      }
    }
    return reason;
  }

  private static boolean retryable(Throwable t) {
    if (t instanceof ShardlineException e) {
      return e.code().retryable();
    }
    return true; // connection refused or reset, TLS failure mid-stream, timeouts
  }

  /** An error for an unexpected status, with the server's message when it is short plain text (not a page). */
  private static ShardlineException statusError(int status, String body) {
    String text = body.strip();
    if (text.startsWith("<") || text.length() > 300 || text.contains("\n")) {
      text = text.startsWith("<") ? "" : text.lines().findFirst().orElse("");
    }
    String msg = "the server answered " + status + (text.isEmpty() ? "" : ": " + text);
    boolean retry = status >= 500 || status == 408 || status == 429;
    return new ShardlineException(retry ? ErrorCode.BUSY : status == 404 || status == 410 ? ErrorCode.NOT_FOUND
        : status == 401 || status == 403 ? ErrorCode.AUTH_FAILED : ErrorCode.BAD_RESPONSE, msg);
  }

  /** Step 2, on a disk worker: the destination, the file's partial state, what is left to fetch. */
  private Void prepare() throws IOException {
    if (!version.hasValidator() && o.sha256() == null) {
      throw new ShardlineException(ErrorCode.BAD_RESPONSE, "the server gives neither ETag nor Last-Modified, so a"
          + " change of the file during the pull could not be detected; pass --sha256 HEX to verify it instead");
    }
    String name = fileName(target);
    int n = FileManifest.chunkCount(version.size(), o.chunkSize());
    FileManifest identity = new FileManifest(name, name, version.size(), 0, o.chunkSize(), new int[n],
        new byte[n * Sha256.BYTES], version.identity());
    destination = new LocalDestination(o.destination());
    destination.begin();
    LocalChunkSink probe = (LocalChunkSink) destination.open(identity);
    Map<Integer, Integer> journalled = probe.journalled();
    crcs = new int[n];
    journalled.forEach((i, crc) -> crcs[i] = crc);
    listed = new FileManifest(name, name, version.size(), 0, o.chunkSize(), crcs.clone(), new byte[n * Sha256.BYTES],
        version.identity());
    sink = (LocalChunkSink) destination.open(listed);
    BitSet ok = sink.prepare(); // also removes a stale partial file of another version
    ok.and(journalledSet(journalled, n));
    have = ok;
    resumedChunks = ok.cardinality();
    for (int i = ok.nextSetBit(0); i >= 0; i = ok.nextSetBit(i + 1)) {
      resumedBytes += listed.chunkLength(i);
    }
    counters.filesTotal = 1;
    counters.bytesTotal = version.size();
    counters.bytesResumed.add(resumedBytes);
    counters.resumedChunks.add(resumedChunks);
    if (o.sha256() != null) {
      digest = new PrefixDigest(n, 2 * DIGEST_RUN_CHUNKS * o.lanes() + 2);
      if (resumedChunks > 0) {
        digest.resumed();
      }
    }
    for (int i = 0; i < n; i++) {
      if (!ok.get(i)) {
        queue.add(i);
      }
    }
    return null;
  }

  private static BitSet journalledSet(Map<Integer, Integer> journalled, int n) {
    BitSet b = new BitSet(n);
    journalled.keySet().forEach(b::set);
    return b;
  }

  /** The last segment of the URL's path, percent-decoded: the name the file gets in LOCAL_DIR. */
  static String fileName(URI uri) {
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String last = path.substring(path.lastIndexOf('/') + 1);
    String name = URLDecoder.decode(last.replace("+", "%2B"), StandardCharsets.UTF_8);
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
        || name.indexOf('\0') >= 0) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "the URL " + uri + " names no file to save (its path must end"
          + " in a file name)");
    }
    return name;
  }

  /** Step 3: the lanes, each on its own event loop, until the queue is empty. */
  private Future<Void> fetchAll() {
    if (queue.isEmpty()) {
      return Future.succeededFuture();
    }
    int lanes = Math.min(o.lanes(), queue.size());
    lanesLeft = lanes;
    // The journal's batched records reach the disk at least every JOURNAL_FLUSH_MS, so a kill
    // loses at most that much of the chunks already written.
    long flusher = vertx.setPeriodic(JOURNAL_FLUSH_MS, id -> disk.executeBlocking(() -> {
      sink.flushJournal();
      return null;
    }, false).onFailure(t -> LOG.debug("flushing the journal: {}", t.toString())));
    fetched.future().onComplete(ar -> vertx.cancelTimer(flusher));
    counters.activeLanes.add(lanes);
    for (int i = 0; i < lanes; i++) {
      Context ctx = i == 0 ? probeContext : ((VertxInternal) vertx).createEventLoopContext();
      int src = i % targets.size(); // lanes spread over the URLs that agree, the first URL first
      boolean first = i == 0;
      ctx.runOnContext(v -> {
        Lane lane = new Lane(src, first ? client : newClient());
        nextRun(lane);
      });
    }
    return fetched.future();
  }

  /**
   * How many chunks one range request asks for: up to {@link #MAX_RUN_CHUNKS} while much is left,
   * fewer towards the end so the lanes finish together; with {@code --sha256} runs stay short so
   * chunks arrive close to file order and the digest is computed as they arrive.
   */
  private int runChunks(int left, int lanes) {
    int cap = digest != null ? DIGEST_RUN_CHUNKS : MAX_RUN_CHUNKS;
    return Math.max(1, Math.min(cap, left / Math.max(1, lanes)));
  }

  /** The lane's next run of consecutive chunks from the queue; when it is empty, the lane ends once its writes are done. */
  private void nextRun(Lane lane) {
    int firstIndex;
    int count = 1;
    synchronized (queue) {
      Integer index = fetched.future().isComplete() ? null : queue.poll();
      if (index == null) {
        lane.idle().onComplete(ar -> {
          counters.activeLanes.decrement();
          synchronized (queue) {
            if (--lanesLeft == 0) {
              fetched.tryComplete();
            }
          }
        });
        return;
      }
      firstIndex = index;
      int max = runChunks(queue.size() + 1, lanesLeft);
      while (count < max && queue.peek() != null && queue.peek() == firstIndex + count) {
        queue.poll();
        count++;
      }
    }
    fetchRun(lane, firstIndex, count, 1, lane.src).onComplete(ar -> {
      if (ar.failed()) {
        counters.activeLanes.decrement();
        fetched.tryFail(ar.cause());
        synchronized (queue) {
          queue.clear();
        }
        return;
      }
      nextRun(lane);
    });
  }

  /**
   * Chunks {@code firstIndex .. firstIndex + count - 1} as one range from URL {@code src}, each
   * handed to a disk worker as soon as its last byte is in while the rest streams on. A try that
   * fails goes to the next URL (with one, the same) for the chunks not yet in; a try that brought
   * some chunks in starts the count of tries afresh.
   */
  private Future<Void> fetchRun(Lane lane, int firstIndex, int count, int attempt, int src) {
    long first = listed.chunkOffset(firstIndex);
    int lastIndex = firstIndex + count - 1;
    long last = listed.chunkOffset(lastIndex) + listed.chunkLength(lastIndex) - 1;
    if (ended) {
      return Future.failedFuture(new ShardlineException(ErrorCode.CANCELLED, "the pull ended"));
    }
    RangeRun run = new RangeRun(lane, firstIndex, count, first, last);
    return lane.client.request(request(targets.get(src), "bytes=" + first + "-" + last)).compose(req -> req.send())
        .compose(resp -> stream(resp, run, versions.get(src)))
        .recover(t -> {
          if (t instanceof StoreFailure f) {
            return Future.failedFuture(f.getCause());
          }
          int in = run.handedOff();
          if (in == count) {
            return Future.succeededFuture(); // every chunk is in; only the connection's end failed
          }
          return retry(t, in > 0 ? 1 : attempt, "range " + listed.chunkOffset(firstIndex + in) + "-" + last + " of "
              + targets.get(src), () -> fetchRun(lane, firstIndex + in, count - in, (in > 0 ? 1 : attempt) + 1,
              (src + 1) % targets.size()));
        });
  }

  /** The body of a run's answer, streamed into chunk buffers, after the answer was checked. */
  private Future<Void> stream(HttpClientResponse resp, RangeRun run, SourceVersion version) {
    int status = resp.statusCode();
    if (status != 206) {
      if (status == 200) {
        resp.request().reset();
        return Future.failedFuture(new ShardlineException(ErrorCode.BAD_RESPONSE,
            "the server stopped serving byte ranges (200 to the range " + run.first + "-" + run.last + ")"));
      }
      return resp.body().compose(b -> Future.<Void>failedFuture(statusError(status,
          b.toString(StandardCharsets.UTF_8))));
    }
    try {
      version.checkPart(run.first, run.last, resp.getHeader("Content-Range"), resp.getHeader("ETag"),
          resp.getHeader("Last-Modified"));
    } catch (ShardlineException e) {
      resp.request().reset();
      return Future.failedFuture(e);
    }
    if (firstByte == 0) {
      firstByte = System.nanoTime();
    }
    bodies.add(run);
    run.promise.future().onComplete(ar -> bodies.remove(run));
    run.lane.answer = resp;
    resp.handler(b -> {
      int n = b.length();
      if (!run.append(((BufferInternal) b).getByteBuf())) {
        resp.request().reset();
        return;
      }
      counters.wireBytes.add(n);
      long waitNanos = bucket.take(System.nanoTime(), n);
      if (waitNanos > 0) { // over the rate limit: the answer (and so the server, through TCP) waits
        run.lane.rateHeld = true;
        resp.pause();
        vertx.setTimer(Math.max(1, waitNanos / 1_000_000), id -> {
          run.lane.rateHeld = false;
          run.lane.resumeIfFree();
        });
      } else if (run.lane.writing >= MAX_WRITES_PER_LANE) { // the disk is behind: so is the server
        resp.pause();
      }
    });
    resp.exceptionHandler(run::broke);
    resp.endHandler(v -> run.end());
    return run.promise.future();
  }

  /** A chunk's store failed: the pull fails with its cause, no retry of the range. */
  private static final class StoreFailure extends RuntimeException {
    StoreFailure(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  /**
   * One lane: its URL, the answer it is streaming and its chunks being written. Confined to the
   * lane's event loop (the store futures complete there too).
   */
  private final class Lane {
    final int src;
    final HttpClient client;
    HttpClientResponse answer;
    int writing;
    boolean rateHeld;
    private Promise<Void> drained;

    Lane(int src, HttpClient client) {
      this.src = src;
      this.client = client;
      if (client != HttpsPull.this.client) {
        synchronized (laneClients) {
          laneClients.add(client);
        }
      }
    }

    /** A complete chunk goes to a disk worker; its buffer is the store's from here on. */
    void write(int index, ByteBuf buf, RangeRun run) {
      writing++;
      disk.executeBlocking(() -> store(index, buf), false).onComplete(ar -> {
        writing--;
        if (ar.failed()) {
          run.fail(new StoreFailure(ar.cause()));
          fetched.tryFail(ar.cause());
        }
        if (writing == 0 && drained != null) {
          drained.tryComplete();
        }
        resumeIfFree();
      });
    }

    /** Resumes the answer unless the rate limit or the disk still holds it. */
    void resumeIfFree() {
      if (answer != null && !rateHeld && writing < MAX_WRITES_PER_LANE) {
        answer.resume();
      }
    }

    /** Completes once every chunk this lane handed to the disk is written. */
    Future<Void> idle() {
      if (writing == 0) {
        return Future.succeededFuture();
      }
      drained = Promise.promise();
      return drained.future();
    }
  }

  /**
   * One run's body as it arrives: the chunk being filled is a pooled buffer this object owns
   * until it is full (then the lane's store owns it) or the run fails (then it is released here).
   * Synchronized: the lane's event loop appends while the run's end may fail what is left open
   * (a cancelled pull closes its connections, and a paused answer may never report it).
   */
  private final class RangeRun {
    final Promise<Void> promise = Promise.promise();
    final Lane lane;
    final long first;
    final long last;
    private final int firstIndex;
    private final int count;
    private int in;
    private ByteBuf buf;
    private boolean over;

    RangeRun(Lane lane, int firstIndex, int count, long first, long last) {
      this.lane = lane;
      this.firstIndex = firstIndex;
      this.count = count;
      this.first = first;
      this.last = last;
    }

    /** Chunks complete and handed to the disk. */
    synchronized int handedOff() {
      return in;
    }

    /** Appends a piece; false (and the run failed) when it is more than the range holds or the run is over. */
    synchronized boolean append(ByteBuf src) {
      if (over) {
        return false;
      }
      while (src.isReadable()) {
        if (buf == null) {
          if (in == count) {
            fail(new ShardlineException(ErrorCode.BAD_RESPONSE, "the range " + first + "-" + last
                + " came with more than its " + (last - first + 1) + " bytes"));
            return false;
          }
          int len = listed.chunkLength(firstIndex + in);
          buf = FrameSocket.ALLOC.directBuffer(len, len);
        }
        buf.writeBytes(src, Math.min(src.readableBytes(), buf.writableBytes()));
        if (!buf.isWritable()) {
          ByteBuf full = buf;
          buf = null;
          lane.write(firstIndex + in++, full, this);
        }
      }
      return true;
    }

    synchronized void broke(Throwable t) {
      if (!over) {
        fail(new ShardlineException(ErrorCode.CONNECTION_LOST, "the range " + first + "-" + last + " broke off after "
            + received() + " of " + (last - first + 1) + " bytes: " + t.getMessage(), t));
      }
    }

    synchronized void end() {
      if (over) {
        return;
      }
      if (in != count) {
        fail(new ShardlineException(ErrorCode.CONNECTION_LOST, "the range " + first + "-" + last + " ended after "
            + received() + " of " + (last - first + 1) + " bytes"));
        return;
      }
      over = true;
      lane.answer = null;
      promise.tryComplete();
    }

    private long received() {
      long done = in == 0 ? 0 : listed.chunkOffset(firstIndex + in - 1) + listed.chunkLength(firstIndex + in - 1) - first;
      return done + (buf == null ? 0 : buf.readableBytes());
    }

    /** Fails the run and releases the chunk being filled, unless the run is already over. */
    synchronized void fail(RuntimeException e) {
      if (!over) {
        over = true;
        if (buf != null) {
          buf.release();
          buf = null;
        }
        HttpClientResponse paused = lane.answer;
        lane.answer = null;
        if (paused != null) {
          // Pieces queued behind a paused answer are released only once handed on: let them come
          // (the handler finds the run over and resets the request).
          paused.resume();
        }
        promise.tryFail(e);
      }
    }
  }

  /** On a disk worker: CRC, positional write, journal, digest; the buffer is released here. */
  private Void store(int index, ByteBuf buf) throws IOException {
    try {
      int crc = Crc32c.of(buf);
      fence("write " + sink.target());
      sink.write(index, buf);
      sink.journal(index, crc);
      synchronized (this) {
        crcs[index] = crc;
        have.set(index);
      }
      counters.bytesDone.add(listed.chunkLength(index));
      counters.chunks.increment();
      if (digest != null) {
        digest.offer(index, buf);
      }
      return null;
    } finally {
      buf.release();
    }
  }

  private void fence(String what) {
    if (!o.mayWrite().getAsBoolean()) {
      throw new ShardlineException(ErrorCode.FENCED, "not allowed to " + what + " any more: " + o.fenceReason().get());
    }
  }

  /** Step 5, on a disk worker: the digest (with --sha256), then fsync and atomic rename. */
  private String publish() throws IOException {
    String sha = null;
    sink.flushJournal();
    if (digest != null) {
      byte[] got = digest.finish(sink.partPath(), listed.size(), listed.chunkSize());
      sha = HexFormat.of().formatHex(got);
      if (!Arrays.equals(got, o.sha256())) {
        sink.discard();
        throw new ShardlineException(ErrorCode.DIGEST_MISMATCH, "the file's SHA-256 is " + sha + ", not the "
            + HexFormat.of().formatHex(o.sha256()) + " given with --sha256; nothing was published (and its partial"
            + " file was removed)");
      }
    }
    int[] all;
    synchronized (this) {
      all = crcs.clone();
    }
    fence("publish " + sink.target());
    // An HTTPS server lists no chunk sums: what is checked is the --sha256 above, or the version
    // (ETag, Last-Modified) every range answered with; the chunk hashes stay zeros (this manifest is
    // the local sink's only, never served), and the root is over them.
    byte[] none = new byte[all.length * Sha256.BYTES];
    FileManifest complete = FileManifest.of(listed.path(), listed.name(), listed.size(), listed.mtimeMillis(),
        listed.chunkSize(), all, none);
    sink.adopt(complete);
    sink.publish(all, none);
    destination.end(List.of(sink));
    counters.filesDone.increment();
    return sha;
  }

  private void abort(Throwable t) {
    if (digest != null) {
      digest.release();
    }
    if (sink != null) {
      try {
        sink.flushJournal();
      } catch (IOException e) {
        LOG.debug("flushing the journal after a failure: {}", e.toString());
      }
      if (t instanceof ShardlineException e && e.code() == ErrorCode.SOURCE_CHANGED) {
        try {
          sink.discard(); // another version: its chunks are of no use to a re-run
        } catch (IOException e2) {
          LOG.debug("removing partial state: {}", e2.toString());
        }
      } else {
        sink.abort();
      }
    }
    if (destination != null) {
      try {
        destination.end(List.<ChunkSink>of());
      } catch (IOException e) {
        LOG.debug("releasing the destination: {}", e.toString());
      }
    }
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private HttpsPullResult result(boolean published, String sha, List<String> errors) {
    double seconds = (System.nanoTime() - started) / 1e9;
    String file = sink == null ? null : sink.target();
    boolean verified = published && sha != null;
    String by = !published ? null : sha != null ? "sha256" : "etag";
    int chunks = listed == null ? 0 : listed.chunkCount();
    return new HttpsPullResult(o.url().toString(), file, version == null ? 0 : version.size(), seconds,
        firstByte == 0 ? 0 : (firstByte - started) / 1e9, o.lanes(), chunks, resumedChunks, resumedBytes,
        retries.get(), published, verified, by, sha, version == null ? null : version.etag(),
        version == null ? null : version.lastModified(), new ArrayList<>(errors), Math.max(1, targets.size()),
        List.copyOf(setAside));
  }
}
