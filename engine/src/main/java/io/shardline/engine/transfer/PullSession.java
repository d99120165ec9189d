package io.shardline.engine.transfer;

import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecSet;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.lane.Backoff;
import io.shardline.engine.lane.ChunkScheduler;
import io.shardline.engine.lane.ChunkTask;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.lane.Connector;
import io.shardline.engine.lane.ClientLane;
import io.shardline.engine.lane.LaneSpread;
import io.shardline.engine.lane.ManifestFetcher;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.LocalDestination;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pull, start to end: fetch the manifest over one connection, check what the destination
 * already holds (resume), then run N {@link ClientLane}s, each on its own event loop, until
 * every file is published or has failed; fail early on untrusted peers or refused tokens, and
 * when no chunk completed for the progress timeout.
 */
public final class PullSession {
  private static final Logger LOG = LoggerFactory.getLogger(PullSession.class);
  /** Most files one pull accepts from a server (a malicious server cannot exhaust memory). */
  private static final int MAX_FILES = 1_000_000;
  /** With failover: how long every lane of the source in use may be down before they move on. */
  static final long FAILOVER_AFTER_MS = 1_000;
  /**
   * With failover, a source that refuses connections at the start is asked again this often for
   * this long: the hops of a chain start together, and an upstream relay may still be starting.
   */
  private static final Backoff STARTING_PEER = new Backoff(100, 200);
  static final long STARTING_PEER_GRACE_MS = 15_000;

  private final Vertx vertx;
  private final PullOptions o;
  private final TransferCounters counters = new TransferCounters();
  private final Promise<Void> done = Promise.promise();
  private final List<FileTransfer> transfers = new ArrayList<>();
  /** The same transfers by name (where each lands), for {@link #hurry}. */
  private final Map<String, FileTransfer> byName = new ConcurrentHashMap<>();
  private final List<ClientLane> lanes = new ArrayList<>();
  private final ChunkScheduler scheduler = new ChunkScheduler();
  private final CodecSet codecs = CodecSet.standard(1);
  private final AtomicInteger unfinished = new AtomicInteger();
  private final Promise<List<FileManifest>> listed = Promise.promise();
  /** One bucket for all lanes; unlimited (rate 0) unless a rate limit is set, now or later. */
  private final TokenBucket bucket;
  private WorkerExecutor disk;
  /**
   * Disk workers of a pull. A small file's last chunk publishes on its worker (fsync, rename), so
   * up to this many fsyncs are in flight, and ext4 commits concurrent fsyncs in shared journal
   * transactions: 64 KiB files written and fsynced on this VM's ext4 cost 0.84 ms each on one
   * thread, 0.29 on 16, 0.32 on 32 (docs/benchmarks.md, "Small files, third round"). Large files
   * use few of them: a lane lets at most {@code diskBacklog} whole chunks wait for the disk.
   */
  static final int DISK_THREADS = 32;
  private final ChunkSink.Factory sinks;
  /** The chunk size listed with: the requested one, raised to what the destination takes. */
  private final int chunkSize;
  private NetClient client;
  /** Clients of the sources with a trust of their own ({@link PullOptions#access}), by {@code host:port}. */
  private final Map<String, NetClient> ownClients = new java.util.concurrent.ConcurrentHashMap<>();
  /** How connections are opened: TCP and TLS to the sources, or a pusher's (v7); set on {@link #control}. */
  private volatile Connector connector;
  /** One target per source, in order of preference; replaced whole when the rate limit changes. */
  private volatile List<ClientConnection.Target> targets;
  /** The source (index into targets) each lane of {@link #lanes} is connected to. */
  private final List<Integer> laneSources = new ArrayList<>();
  /**
   * Per source (index into targets), the path it serves each file under, by name: sources may
   * serve one content under other paths (an origin's {@code ckpt/a.bin} is a relay's {@code a.bin}).
   * Set before the listing completes, so before any chunk is asked for; empty for one source.
   */
  private final Map<Integer, Map<String, String>> sourcePaths = new ConcurrentHashMap<>();
  /** Lanes replaced by a failover: {source, chunks, wire bytes} each, for the per-source figures. */
  private final List<long[]> retired = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Sources a connection was made to at least once (with failover, one that refuses after that died). */
  private final Set<Integer> answered = ConcurrentHashMap.newKeySet();
  /** With failover: the source every lane pulls from now. */
  private volatile int current;
  /** With failover: when a lane of the current source was last seen READY (nanos). */
  private volatile long lastUp = System.nanoTime();
  /** Sources that failed for good (listing or a lane's fatal error), with why; the others carry on. */
  private final Map<Integer, String> failedSources = new ConcurrentHashMap<>();
  /** The session's own event-loop context: the manifest connections are opened from it. */
  private Context control;
  private long started;

  public PullSession(Vertx vertx, PullOptions options) {
    this.vertx = vertx;
    this.o = options.validate();
    this.sinks = o.sinks() != null ? o.sinks() : new LocalDestination(o.destination());
    this.chunkSize = PullOptions.chunkSizeFor(o.chunkSize(), sinks.minChunkBytes());
    this.bucket = TokenBucket.of(Math.max(1, o.rateLimit()), Protocol.MAX_CHUNK / 16, System.nanoTime());
    if (o.rateLimit() <= 0) {
      bucket.rate(0, System.nanoTime());
    }
  }

  /**
   * Stops the pull: lanes close, verified chunks stay journalled, so a new session on the same
   * destination resumes; {@link #run()} then completes with a {@code CANCELLED} error. Any thread.
   */
  public void cancel(String reason) {
    ShardlineException e = new ShardlineException(ErrorCode.CANCELLED, reason);
    listed.tryFail(e);
    done.tryFail(e);
  }

  /**
   * Changes the rate limit of a running pull (wire bytes per second over all lanes; 0 = none):
   * the reading side's bucket at once, and the server's pacing by sending each READY lane's new
   * share in a SETTINGS frame (v3) on the live connection: no reconnect, chunks in flight stay.
   */
  public void rateLimit(long bytesPerSecond) {
    bucket.rate(bytesPerSecond, System.nanoTime());
    List<ClientConnection.Target> ts = targets;
    if (ts == null) {
      return; // not started: run() reads the options
    }
    List<ClientConnection.Target> next = new ArrayList<>();
    for (ClientConnection.Target t : ts) {
      next.add(new ClientConnection.Target(t.host(), t.port(), t.token(), t.maxFrame(),
          t.timeoutMs(), t.pinning(), Math.max(0, bytesPerSecond) / o.lanes()));
    }
    targets = List.copyOf(next);
    synchronized (lanes) {
      for (int i = 0; i < lanes.size(); i++) {
        lanes.get(i).laneRate(next.get(laneSources.get(i)));
      }
    }
  }

  /** The current rate limit in wire bytes per second, 0 for none. */
  public long rateLimit() {
    return bucket.bytesPerSecond();
  }

  /**
   * The listing this pull works on, once the sources agreed (names as they land in the
   * destination); fails when it could not be had.
   */
  public Future<List<FileManifest>> listing() {
    return listed.future();
  }

  /**
   * Moves chunk {@code index} of the file named {@code name} to the front of the queue if it is
   * still waiting: someone (a relay's downstream) waits for it. Any thread; false if it was not
   * waiting (in flight, done, or no such file).
   */
  public boolean hurry(String name, int index) {
    FileTransfer ft = byName.get(name);
    return ft != null && scheduler.hurry(ft, index);
  }

  /** Live counters, for progress displays. */
  public TransferCounters counters() {
    return counters;
  }

  public Future<PullResult> run() {
    started = System.nanoTime();
    PinningTrustManager pinning = o.trust() instanceof Trust.Pinned p ? new PinningTrustManager(p.fingerprint()) : null;
    List<ClientConnection.Target> ts = new ArrayList<>();
    for (ShardlineUrl u : o.sources()) {
      // a source with its own trust and token (a broadcast's relay) gets its own pin and, below, client
      PullOptions.SourceAccess a = o.access(u);
      PinningTrustManager pin = !o.hasOwnAccess(u) ? pinning
          : a.trust() instanceof Trust.Pinned p ? new PinningTrustManager(p.fingerprint()) : null;
      ts.add(new ClientConnection.Target(u.host(), u.port(), a.token(),
          Protocol.maxServerFrame(chunkSize), o.connectTimeoutMs(), pin, o.rateLimit() / o.lanes()));
    }
    targets = List.copyOf(ts);
    disk = vertx.createSharedWorkerExecutor("shardline-pull-disk-" + System.identityHashCode(this),
        Math.max(DISK_THREADS, 2 * o.lanes()));
    Connector given = o.connector();
    control = given != null ? given.context() : ((VertxInternal) vertx).createEventLoopContext();
    control.runOnContext(v -> {
      try {
        if (given != null) {
          connector = given;
        } else {
          NetClientOptions tls = TlsSupport.client(o.trust(), pinning, o.connectTimeoutMs(), o.clientCert(), o.clientKey());
          client = vertx.createNetClient(o.plaintextForTestsOnly() ? tls.setSsl(false) : tls);
          for (int i = 0; i < o.sources().size(); i++) {
            ShardlineUrl u = o.sources().get(i);
            if (o.hasOwnAccess(u)) {
              NetClientOptions own = TlsSupport.client(o.access(u).trust(), targets.get(i).pinning(),
                  o.connectTimeoutMs(), null, null);
              ownClients.put(u.host() + ":" + u.port(), vertx.createNetClient(o.plaintextForTestsOnly()
                  ? own.setSsl(false) : own));
            }
          }
          NetClient shared = client;
          connector = ownClients.isEmpty() ? Connector.tcp(vertx, client)
              : Connector.tcp(vertx, t -> ownClients.getOrDefault(t.host() + ":" + t.port(), shared));
        }
      } catch (RuntimeException e) {
        listed.fail(e);
        return;
      }
      listAll();
    });
    return listed.future()
        .andThen(ar -> LOG.debug("manifest after {} ms", elapsedMs()))
        .compose(files -> disk.executeBlocking(() -> prepare(files), false))
        .andThen(ar -> LOG.debug("prepared after {} ms", elapsedMs()))
        .compose(tasks -> disk.executeBlocking(() -> patchable(tasks), false))
        .compose(this::patch)
        .andThen(ar -> LOG.debug("delta chunks done after {} ms", elapsedMs()))
        .compose(this::transfer)
        .andThen(ar -> LOG.debug("all files done after {} ms", elapsedMs()))
        .transform(ar -> finish(ar.failed() ? ShardlineException.wrap(ar.cause(), ErrorCode.INTERNAL) : null));
  }

  /**
   * Lists every source (in parallel) and completes {@link #listed} with the preferred working
   * source's listing once the working sources agree ({@link ListingAgreement}). A source that
   * cannot list is set aside and its lanes go to the preferred working source; the pull fails
   * only when no source lists.
   */
  private void listAll() {
    List<Future<List<FileManifest>>> lists = new ArrayList<>();
    for (int s = 0; s < targets.size(); s++) {
      lists.add(fetchManifest(s, 1));
    }
    if (o.failover() && lists.size() > 1) {
      listInOrder(lists, 0, null);
      return;
    }
    Future.join(lists).onComplete(ar -> {
      List<String> names = new ArrayList<>();
      List<List<FileManifest>> listings = new ArrayList<>();
      List<Integer> dead = new ArrayList<>();
      ShardlineException first = null;
      for (int s = 0; s < lists.size(); s++) {
        Future<List<FileManifest>> f = lists.get(s);
        if (f.succeeded()) {
          names.add(o.sources().get(s).toString());
          listings.add(f.result());
        } else {
          ShardlineException e = ShardlineException.wrap(f.cause(), ErrorCode.CONNECTION_LOST);
          first = first == null ? e : first;
          sourceFailed(s, e);
          dead.add(s);
        }
      }
      if (listings.isEmpty()) {
        listed.tryFail(first);
        return;
      }
      try {
        List<FileManifest> agreed = ListingAgreement.check(names, listings);
        for (int s = 0; s < lists.size(); s++) {
          if (lists.get(s).succeeded()) {
            knownPaths(s, lists.get(s).result());
          }
        }
        int live = liveSource();
        current = live;
        dead.forEach(s -> startLanes(s, live));
        listed.tryComplete(agreed);
      } catch (ShardlineException e) {
        listed.tryFail(e);
      }
    });
  }

  /**
   * Fetches source {@code src}'s manifest; a busy server is asked again with backoff, until the
   * progress timeout. Its lanes start once the manifest connection is open.
   */
  private Future<List<FileManifest>> fetchManifest(int src, int attempt) {
    return connector.open(targets.get(src), 0)
        .compose(conn -> {
          answered.add(src);
          // The manifest connection holds its slot now: lanes connect (TLS handshakes) while the
          // manifest is listed, and wait for chunks. (Started earlier, lanes could take every
          // connection a server allows per address and starve the manifest.)
          if (!startedLanes(src)) {
            startLanes(src, src);
          }
          return ManifestFetcher.fetch(conn, o.sources().get(src).path(), chunkSize, MAX_FILES,
              o.streamManifests() ? Frame.List.STREAM : 0)
              .eventually(() -> conn.socket().close());
        })
        .recover(t -> {
          ShardlineException e = ShardlineException.wrap(t, ErrorCode.CONNECTION_LOST);
          double draw = java.util.concurrent.ThreadLocalRandom.current().nextDouble();
          long delay = o.failover() && (refused(t) || e.code() == ErrorCode.BUSY) ? STARTING_PEER.delayMs(attempt, draw)
              : Backoff.DEFAULT.delayMs(attempt, draw);
          if (o.failover() && refused(t) && answered.contains(src)) {
            return Future.failedFuture(e); // it was up and is gone: a relay that died, not one still starting
          }
          if (!worthAskingAgain(e, t, delay) || listed.future().isComplete()) {
            return Future.failedFuture(e);
          }
          Promise<List<FileManifest>> later = Promise.promise();
          vertx.setTimer(delay, id -> fetchManifest(src, attempt + 1).onComplete(later));
          return later.future();
        });
  }

  /**
   * Whether a listing that failed with {@code e} is asked again after {@code delayMs}: a busy or
   * overloaded server (BUSY, a handshake that timed out, a connection it closed mid-handshake to
   * make room) is, within the progress timeout; a refused connection (with failover: after the
   * first 15 s) or a wrong trust setting is not.
   */
  private boolean worthAskingAgain(ShardlineException e, Throwable t, long delayMs) {
    boolean passing = e.code() == ErrorCode.BUSY || e.code() == ErrorCode.HANDSHAKE_TIMEOUT
        || e.code() == ErrorCode.CONNECTION_LOST && !refused(t);
    if (o.failover() && refused(t)) {
      // Hops of a chain or tree start together: an upstream relay may still be starting its JVM.
      return elapsedMs() + delayMs < Math.min(o.progressTimeoutMs(), STARTING_PEER_GRACE_MS);
    }
    return passing && elapsedMs() + delayMs < o.progressTimeoutMs();
  }

  /** Whether nothing listened there (as opposed to a connection made and then lost). */
  private static boolean refused(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts the lanes {@link LaneSpread} gives to source {@code slot}, connected to source
   * {@code src} (the same, or the preferred working one when {@code slot} could not list).
   */
  private void startLanes(int slot, int src) {
    if (listed.future().isComplete() && slot == src) {
      return;
    }
    ClientLane.Settings settings = laneSettings();
    for (int i = 0; i < o.lanes(); i++) {
      if (LaneSpread.sourceOf(i, o.failover() ? 1 : targets.size()) != slot) {
        continue;
      }
      Context ctx = connector.context();
      ClientLane lane = new ClientLane(i + 1, ctx, connector, targets.get(src), scheduler, disk, counters, settings,
          e -> laneFailed(src, e), m -> pathOn(src, m));
      synchronized (lanes) {
        lanes.add(lane);
        laneSources.add(src);
      }
      lane.start();
    }
  }

  /** Whether lanes connected to {@code src} were started. */
  private boolean startedLanes(int src) {
    synchronized (lanes) {
      return laneSources.contains(src);
    }
  }

  /**
   * A lane failed for good: with one source the pull fails; with several, that source is set
   * aside (its lanes stop, their chunks go back to the queue for the others) and the pull fails
   * only when every source has failed.
   */
  private void laneFailed(int src, ShardlineException e) {
    if (targets.size() == 1) {
      done.tryFail(e);
      return;
    }
    sourceFailed(src, e);
    if (failedSources.size() == targets.size()) {
      done.tryFail(e);
    }
  }

  private void sourceFailed(int src, ShardlineException e) {
    if (failedSources.putIfAbsent(src, e.getMessage()) != null) {
      return;
    }
    if (targets.size() > 1) {
      LOG.info("source {} set aside: {}", o.sources().get(src), e.getMessage());
      counters.lastError.set("source " + o.sources().get(src) + ": " + e.getMessage());
    }
    if (o.failover()) {
      if (listed.future().isComplete() && src == current) {
        failOver("it failed: " + e.getMessage());
      }
      return;
    }
    synchronized (lanes) {
      for (int i = 0; i < lanes.size(); i++) {
        if (laneSources.get(i) == src) {
          lanes.get(i).stop();
        }
      }
    }
  }

  /**
   * With failover, on the periodic tick: when no lane of the current source has been READY for a
   * second, every lane moves to the next source.
   */
  private void checkFailover() {
    if (!o.failover() || targets.size() < 2) {
      return;
    }
    long now = System.nanoTime();
    boolean up = false;
    synchronized (lanes) {
      for (int i = 0; i < lanes.size(); i++) {
        up |= laneSources.get(i) == current && lanes.get(i).state() == ClientLane.State.READY;
      }
    }
    if (up) {
      lastUp = now;
    } else if (now - lastUp > TimeUnit.MILLISECONDS.toNanos(FAILOVER_AFTER_MS)) {
      failOver("none of its lanes connected for " + FAILOVER_AFTER_MS + " ms");
    }
  }

  /** Moves every lane from the current source to the next one that has not failed (if any). */
  private void failOver(String why) {
    int from = current;
    int to = -1;
    for (int s = from + 1; s < targets.size(); s++) {
      if (!failedSources.containsKey(s) && sourcePaths.containsKey(s)) { // listed, and agrees
        to = s;
        break;
      }
    }
    if (to < 0) {
      return; // none left: the lanes keep trying, the progress timeout decides
    }
    LOG.info("failing over from {} to {}: {}", o.sources().get(from), o.sources().get(to), why);
    counters.lastError.set("source " + o.sources().get(from) + ": " + why);
    current = to;
    lastUp = System.nanoTime();
    ClientLane.Settings settings = laneSettings();
    int src = to;
    synchronized (lanes) {
      for (int i = 0; i < lanes.size(); i++) {
        if (laneSources.get(i) != from) {
          continue;
        }
        ClientLane old = lanes.get(i);
        ClientLane lane = new ClientLane(old.number(), connector.context(), connector,
            targets.get(src), scheduler, disk, counters, settings, e -> laneFailed(src, e), m -> pathOn(src, m));
        lanes.set(i, lane);
        laneSources.set(i, src);
        old.stop().onComplete(x -> retired.add(new long[] {from, old.receivedChunks(), old.receivedWireBytes()}));
        lane.start();
      }
    }
  }

  private ClientLane.Settings laneSettings() {
    return new ClientLane.Settings(o.window(), o.diskBacklog(), o.maxChunkAttempts(),
        o.stallTimeoutMs(), Backoff.DEFAULT, o.compression().mask(), bucket);
  }

  /**
   * With failover: the pull goes on with the first source, in order, that lists, as soon as every
   * source before it has failed (it does not wait for the sources after it: one may be a relay
   * that died while it was being listed, and be asked again for 15 s). Each later listing is
   * checked against it when it comes in; one that disagrees, or never comes, sets that source
   * aside, and lanes never fail over to a source whose listing is not known.
   */
  private void listInOrder(List<Future<List<FileManifest>>> lists, int s, ShardlineException first) {
    if (s == lists.size()) {
      listed.tryFail(first);
      return;
    }
    lists.get(s).onComplete(ar -> {
      if (ar.failed()) {
        ShardlineException e = ShardlineException.wrap(ar.cause(), ErrorCode.CONNECTION_LOST);
        sourceFailed(s, e);
        listInOrder(lists, s + 1, first == null ? e : first);
        return;
      }
      List<FileManifest> base = ar.result();
      knownPaths(s, base);
      for (int later = s + 1; later < lists.size(); later++) {
        int t = later;
        lists.get(t).onComplete(other -> {
          if (other.failed()) {
            sourceFailed(t, ShardlineException.wrap(other.cause(), ErrorCode.CONNECTION_LOST));
            return;
          }
          try {
            ListingAgreement.check(List.of(o.sources().get(s).toString(), o.sources().get(t).toString()),
                List.of(base, other.result()));
            knownPaths(t, other.result());
          } catch (ShardlineException e) {
            sourceFailed(t, e);
          }
        });
      }
      current = s;
      if (s > 0) {
        startLanes(0, s); // every lane of a failover pull is slot 0's
      }
      listed.tryComplete(base);
    });
  }

  /** Source {@code src}'s listing is known (and agrees): the paths it serves each file under. */
  private void knownPaths(int src, List<FileManifest> listing) {
    Map<String, String> byName = new java.util.HashMap<>();
    listing.forEach(m -> byName.put(m.name(), m.path()));
    sourcePaths.put(src, Map.copyOf(byName));
  }

  /**
   * The path to GET {@code m} by on source {@code src}: its path in that source's own listing
   * (the manifest's, from the preferred source, when that source did not list).
   */
  private String pathOn(int src, FileManifest m) {
    Map<String, String> paths = sourcePaths.get(src);
    String p = paths == null ? null : paths.get(m.name());
    return p != null ? p : m.path();
  }

  private static FileManifest withPath(FileManifest m, String path) {
    return m.path().equals(path) ? m : new FileManifest(path, m.name(), m.size(), m.mtimeMillis(), m.chunkSize(),
        m.chunkCrcs(), m.chunkHashes(), m.root(), m.streamed());
  }

  /** The preferred source that has not failed (the first if all have). */
  private int liveSource() {
    for (int s = 0; s < targets.size(); s++) {
      if (!failedSources.containsKey(s)) {
        return s;
      }
    }
    return 0;
  }

  private long elapsedMs() {
    return (System.nanoTime() - started) / 1_000_000;
  }

  /** The tasks to fetch, and those a delta pull tries to rebuild first (level 2), per file. */
  private record Patchable(List<ChunkTask> fetch, List<ChunkPatcher.Work> work) {}

  /**
   * Blocking: which files' missing chunks may be rebuilt from an older local version (a file with
   * a base and a complete manifest); the others go to the lanes as they are.
   */
  private Patchable patchable(List<ChunkTask> tasks) {
    Map<FileTransfer, List<ChunkTask>> byFile = new LinkedHashMap<>();
    for (ChunkTask t : tasks) {
      byFile.computeIfAbsent((FileTransfer) t.file(), f -> new ArrayList<>()).add(t);
    }
    List<ChunkTask> fetch = new ArrayList<>();
    List<ChunkPatcher.Work> work = new ArrayList<>();
    int src = liveSource();
    for (Map.Entry<FileTransfer, List<ChunkTask>> e : byFile.entrySet()) {
      FileManifest m = e.getKey().manifest();
      List<Path> bases = m.streamed() ? List.of() : BaseFiles.of(e.getKey().sink().previousVersion(), o.base(), m.name());
      if (bases.isEmpty()) {
        fetch.addAll(e.getValue());
      } else {
        work.add(new ChunkPatcher.Work(e.getKey(), pathOn(src, m), bases.get(0), e.getValue()));
      }
    }
    return new Patchable(fetch, work);
  }

  /** Level 2 of a delta pull on the files that have a base; completes with every task left to fetch. */
  private Future<List<ChunkTask>> patch(Patchable p) {
    if (p.work().isEmpty() || done.future().isComplete()) {
      List<ChunkTask> all = new ArrayList<>(p.fetch());
      p.work().forEach(w -> all.addAll(w.tasks()));
      return Future.succeededFuture(all);
    }
    int src = liveSource();
    ChunkPatcher patcher = new ChunkPatcher(control, disk, () -> connector.open(targets.get(src), 0));
    return patcher.patch(p.work()).map(left -> {
      counters.wireBytes.add(patcher.wireBytes());
      List<ChunkTask> all = new ArrayList<>(p.fetch());
      all.addAll(left);
      return all;
    });
  }

  /** Blocking: validates names, checks partial and existing files, returns the chunks to fetch. */
  private List<ChunkTask> prepare(List<FileManifest> files) throws Exception {
    sinks.begin();
    Set<String> names = new HashSet<>();
    List<ChunkSink> partials = new ArrayList<>();
    for (FileManifest m : files) {
      if (!names.add(m.name())) {
        throw new ShardlineException(ErrorCode.MALFORMED_FRAME, "server listed " + m.name() + " twice");
      }
      ChunkSink sink = sinks.open(m); // refuses names escaping the destination
      if (m.streamed() && (sink.hasPartialState() || !BaseFiles.of(sink.previousVersion(), o.base(), m.name()).isEmpty())) {
        // chunks kept from an earlier run, or an older version to copy chunks from: both need the
        // complete manifest (CRCs and hashes) to be checked against
        FileManifest complete = completeForResume(m);
        if (complete != null) {
          sink = sinks.open(complete);
        }
      }
      partials.add(sink);
    }
    List<ChunkTask> tasks = new ArrayList<>();
    long total = 0;
    unfinished.set(files.size());
    for (ChunkSink pf : partials) {
      FileManifest m = pf.manifest();
      total += m.size();
      BitSet have = pf.prepare();
      if (m.streamed()) {
        counters.streamedFiles.increment();
      }
      counters.resumedChunks.add(have.cardinality());
      for (int i = have.nextSetBit(0); i >= 0; i = have.nextSetBit(i + 1)) {
        counters.bytesResumed.add(m.chunkLength(i));
      }
      if (!pf.alreadyComplete() && have.cardinality() < m.chunkCount()) {
        BitSet missing = new BitSet(m.chunkCount());
        missing.set(0, m.chunkCount());
        missing.andNot(have);
        ChunkReuse.Result reused = ChunkReuse.reuse(BaseFiles.of(pf.previousVersion(), o.base(), m.name()), m, missing,
            pf, FrameSocket.ALLOC);
        if (!reused.chunks().isEmpty()) {
          have.or(reused.chunks());
          counters.reusedChunks.add(reused.chunks().cardinality());
          counters.reusedBytes.add(reused.bytes());
          counters.bytesResumed.add(reused.bytes()); // here before any byte moved, as resumed chunks are
          LOG.debug("{}: {} chunks ({} bytes) copied from an older version, {} bytes read for them",
              m.name(), reused.chunks().cardinality(), reused.bytes(), reused.bytesRead());
        }
      }
      FileTransfer ft = new FileTransfer(pf, have, counters, codecs, this::fileFinished, this::settle, o.verifyHashes());
      synchronized (transfers) {
        transfers.add(ft);
      }
      byName.put(m.name(), ft);
      if (pf.alreadyComplete()) {
        pf.skipComplete();
        counters.filesDone.increment();
        fileFinished(ft);
        continue;
      }
      if (ft.remainingChunks() == 0) {
        ft.publish(); // empty files, or partial files that were complete but not yet published
        continue;
      }
      BitSet missing = ft.missing();
      for (int i = missing.nextSetBit(0); i >= 0; i = missing.nextSetBit(i + 1)) {
        tasks.add(new ChunkTask(ft, i, 0));
      }
    }
    counters.bytesTotal = total;
    counters.filesTotal = files.size();
    if (files.isEmpty()) {
      done.tryComplete();
    }
    return tasks;
  }

  /**
   * A streamed file with chunks kept from an earlier run: waits (on this disk worker, bounded by
   * the progress timeout) for its complete manifest, so those chunks can be checked and resumed.
   * Null if it cannot be had: the file is then fetched whole, as streamed.
   */
  private FileManifest completeForResume(FileManifest streamed) {
    try {
      FileManifest full = completeManifest(streamed).toCompletionStage().toCompletableFuture()
          .get(o.progressTimeoutMs(), TimeUnit.MILLISECONDS);
      if (full.streamed() || !streamed.sameVersion(full)) {
        return null;
      }
      return full.withName(streamed.name());
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("no complete manifest for {} to resume against: {}", streamed.name(), e.toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * A streamed file's chunks are all in: lists it again for its complete manifest (the server has
   * summed it meanwhile, or finishes first), then settles it on a disk worker. A busy server or a
   * lost connection is asked again with backoff, within the progress timeout.
   */
  private void settle(FileTransfer ft) {
    completeManifest(ft.manifest())
        .compose(full -> disk.executeBlocking(() -> {
          ft.settle(full);
          return null;
        }, false))
        .onFailure(t -> ft.fail(ShardlineException.wrap(t, ErrorCode.CONNECTION_LOST)));
  }

  /**
   * Lists a streamed file again for its complete manifest, from the session's own context (the
   * callers run on disk workers).
   */
  private Future<FileManifest> completeManifest(FileManifest streamed) {
    Promise<FileManifest> complete = Promise.promise();
    control.runOnContext(v -> completeManifest(streamed, 1).onComplete(complete));
    return complete.future();
  }

  private Future<FileManifest> completeManifest(FileManifest streamed, int attempt) {
    int src = liveSource();
    String path = pathOn(src, streamed); // its path on that source
    return connector.open(targets.get(src), 0)
        .compose(conn -> ManifestFetcher.fetch(conn, path, chunkSize, 1)
            .eventually(() -> conn.socket().close()))
        .compose(files -> files.size() == 1 && files.get(0).path().equals(path)
            ? Future.succeededFuture(withPath(files.get(0), streamed.path()))
            : Future.failedFuture(new ShardlineException(ErrorCode.SOURCE_CHANGED, streamed.name()
                + " is no longer a file on the source; pull again")))
        .recover(t -> {
          ShardlineException e = ShardlineException.wrap(t, ErrorCode.CONNECTION_LOST);
          long delay = Backoff.DEFAULT.delayMs(attempt, java.util.concurrent.ThreadLocalRandom.current().nextDouble());
          if (!worthAskingAgain(e, t, delay) || done.future().isComplete()) {
            return Future.failedFuture(e);
          }
          Promise<FileManifest> later = Promise.promise();
          vertx.setTimer(delay, id -> completeManifest(streamed, attempt + 1).onComplete(later));
          return later.future();
        });
  }

  private void fileFinished(FileTransfer ft) {
    if (unfinished.decrementAndGet() == 0) {
      done.tryComplete();
    }
  }

  private Future<Void> transfer(List<ChunkTask> tasks) {
    if (tasks.isEmpty() || done.future().isComplete()) {
      return done.future();
    }
    scheduler.add(tasks);
    long[] last = {-1, System.nanoTime()};
    control.runOnContext(v -> {
      long timer = vertx.setPeriodic(500, id -> {
        disk.executeBlocking(this::flushJournals, false); // bounds what a crash can lose to ~0.5 s
        checkFailover();
        long progress = counters.chunks.sum() + counters.filesDone.sum();
        if (progress != last[0]) {
          last[0] = progress;
          last[1] = System.nanoTime();
        } else if ((System.nanoTime() - last[1]) / 1_000_000 > o.progressTimeoutMs()) {
          String why = counters.lastError.get();
          done.tryFail(new ShardlineException(ErrorCode.NO_PROGRESS, "no progress for "
              + o.progressTimeoutMs() / 1000 + " s" + (why == null ? "" : "; last error: " + why)));
        }
      });
      done.future().onComplete(ar -> vertx.cancelTimer(timer));
    });
    return done.future();
  }

  private Void flushJournals() {
    List<FileTransfer> all;
    synchronized (transfers) {
      all = new ArrayList<>(transfers);
    }
    for (FileTransfer ft : all) {
      if (!ft.failed() && ft.remainingChunks() > 0) {
        try {
          ft.sink().flushJournal();
        } catch (java.io.IOException e) {
          counters.lastError.set("cannot write the resume journal: " + e.getMessage());
        }
      }
    }
    return null;
  }

  private Future<PullResult> finish(ShardlineException error) {
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (lanes) {
      lanes.forEach(l -> stops.add(l.stop()));
    }
    return Future.join(stops)
        .transform(x -> client == null ? Future.<Void>succeededFuture() : client.close())
        .transform(x -> Future.join(ownClients.values().stream().map(NetClient::close).toList()))
        .transform(x -> disk.executeBlocking(() -> {
          List<ChunkSink> published = new ArrayList<>();
          synchronized (transfers) {
            for (FileTransfer ft : transfers) {
              ft.sink().abort(); // keeps journals of unfinished files for a resume
              if (!ft.failed() && ft.remainingChunks() == 0) {
                published.add(ft.sink());
              }
            }
          }
          sinks.end(published); // publishes are durable before we report success (called also when begin() was not)
          return null;
        }, false))
        .transform(x -> {
          disk.close();
          LOG.debug("finished after {} ms", elapsedMs());
          return Future.succeededFuture(result(error));
        });
  }

  private PullResult result(ShardlineException error) {
    List<String> errors = new ArrayList<>();
    if (error != null) {
      errors.add(error.getMessage());
    }
    int published = 0;
    synchronized (transfers) {
      for (FileTransfer ft : transfers) {
        if (ft.failed()) {
          errors.add(ft.manifest().name() + ": " + ft.failure().getMessage());
        } else if (ft.remainingChunks() == 0) {
          published++;
        }
      }
      if (error == null && published != transfers.size() && errors.isEmpty()) {
        errors.add((transfers.size() - published) + " files did not complete");
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    boolean verified = errors.isEmpty() && published == counters.filesTotal;
    if (!errors.isEmpty()) {
      LOG.debug("pull finished with errors: {}", errors);
    }
    long[] mix = new long[CodecId.values().length];
    for (CodecId id : CodecId.values()) {
      mix[id.wire()] = counters.chunks(id);
    }
    return new PullResult(counters.filesTotal, counters.bytesTotal, counters.bytesDone.sum(),
        counters.wireBytes.sum(), seconds, o.lanes(), counters.chunks.sum(), counters.retriedChunks.sum(),
        counters.resumedChunks.sum(), counters.reconnects.sum(), verified, errors, o.compression(), mix, digests(),
        counters.firstDataNanos() == 0 ? -1 : (counters.firstDataNanos() - started) / 1e9, counters.streamedFiles.sum(),
        sourceFigures(), counters.notYet.sum(), counters.reusedChunks.sum(), counters.reusedBytes.sum(),
        counters.patchedChunks.sum());
  }

  /** Per source, in order of preference: lanes, chunks and wire bytes received, failure. */
  private List<PullResult.Source> sourceFigures() {
    int n = o.sources().size();
    int[] laneCount = new int[n];
    long[] chunks = new long[n];
    long[] wire = new long[n];
    synchronized (lanes) {
      for (int i = 0; i < lanes.size(); i++) {
        int s = laneSources.get(i);
        laneCount[s]++;
        chunks[s] += lanes.get(i).receivedChunks();
        wire[s] += lanes.get(i).receivedWireBytes();
      }
    }
    for (long[] r : retired) {
      chunks[(int) r[0]] += r[1];
      wire[(int) r[0]] += r[2];
    }
    List<PullResult.Source> out = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      out.add(new PullResult.Source(o.sources().get(s).toString(), laneCount[s], chunks[s], wire[s],
          failedSources.get(s)));
    }
    return out;
  }

  /** Root digests (hex) of the files published or found complete, by name. */
  private java.util.Map<String, String> digests() {
    java.util.Map<String, String> d = new java.util.TreeMap<>();
    synchronized (transfers) {
      for (FileTransfer ft : transfers) {
        if (!ft.failed() && ft.remainingChunks() == 0) {
          d.put(ft.manifest().name(), ft.manifest().rootHex());
        }
      }
    }
    return d;
  }
}
