package io.shardline.gateway.job;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.httpsget.HttpsPullOptions;
import io.shardline.engine.push.PushOptions;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.ShardlineUrl;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.storage.DestinationLock;
import io.shardline.engine.storage.FencedDestination;
import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.config.HeaderFile;
import io.shardline.gateway.config.Remote;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.storage.ChunkSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs queued jobs with the engine, at most {@code maxRunning} at once, highest priority first,
 * then oldest; stops a job's pull when it is paused or cancelled, applies rate changes live, and
 * samples progress every {@link #TICK_MS} ms for the API, event streams and metrics. Confined to
 * the gateway's context.
 */
public final class JobRunner implements JobListener {
  public static final long TICK_MS = 250;
  /** How long to wait before trying the journal again after it could not be written. */
  public static final long RETRY_MS = 1000;
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  /** Highest priority first, then submission order. */
  private static final Comparator<Job> ORDER = Comparator.comparingInt((Job j) -> -j.spec().priority())
      .thenComparingLong(Job::createdAt).thenComparingLong(j -> j.events().get(0).seq());

  private final Vertx vertx;
  private final Vertx transfers;
  private final JobService jobs;
  private final JobPaths paths;
  private final int maxRunning;
  private final TransferStats stats;
  private final Map<String, Running> running = new LinkedHashMap<>();
  private final Set<String> starting = new HashSet<>();
  /** Jobs that wait before they start again (their destination was locked by another writer): System.nanoTime(). */
  private final Map<String, Long> notBefore = new HashMap<>();
  private final List<Consumer<Job>> progressListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private long timer = -1;
  private boolean stopped;
  /** Where broadcasts' relays say where they serve, on what host they serve, and their certificate's folder. */
  private RelayRegistry relays = RelayRegistry.local();
  private String relayHost = "127.0.0.1";
  private Path relayState;
  private Supplier<String> node = () -> null;
  /** Relays whose job is done and that still serve the targets below them. */
  private final Set<RelayTransfer> seeds = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A transfer in progress and what its progress display needs. */
  private static final class Running {
    final Transfer session;
    final RateWindow window = new RateWindow(9);
    Future<Transfer.Outcome> done;
    long lastBytes;
    long lastWire;
    long lastRetries;
    long lastReconnects;
    Running(Transfer session) {
      this.session = session;
    }
  }

  /**
   * @param vertx the gateway's (timers, its context)
   * @param transfers where pulls run: other event loops than the API's, so a busy lane never
   *     delays an HTTP response
   */
  public JobRunner(Vertx vertx, Vertx transfers, JobService jobs, JobPaths paths, int maxRunning, TransferStats stats) {
    this.stats = stats;
    this.transfers = transfers;
    this.vertx = vertx;
    this.jobs = jobs;
    this.paths = paths;
    this.maxRunning = maxRunning;
  }

  /**
   * How broadcast jobs relay: the registry their relays record themselves in (a cluster's, shared
   * by the members), the host they listen on (one the other members reach), the folder that keeps
   * their self-signed certificate, and this member's name. Without this call: alone, on
   * 127.0.0.1, with a certificate in a temporary folder.
   */
  public JobRunner relays(RelayRegistry registry, String host, Path stateDir, Supplier<String> nodeName) {
    relays = registry;
    relayHost = host;
    relayState = stateDir;
    node = nodeName;
    return this;
  }

  /** Called with every running job after each progress sample. */
  public void addProgressListener(Consumer<Job> l) {
    progressListeners.add(l);
  }

  public void removeProgressListener(Consumer<Job> l) {
    progressListeners.remove(l);
  }

  /** Starts sampling and scheduling; jobs left RUNNING by a crash go back to the queue first. */
  public Future<Void> start() {
    jobs.addListener(this);
    List<Future<Job>> requeued = new ArrayList<>();
    for (Job j : jobs.table().list(JobState.RUNNING)) {
      requeued.add(jobs.change(j.id(), Caller.SYSTEM, x -> new JobEvent.Interrupted(
          "the gateway stopped while the job ran; it resumes from the verified chunks")));
    }
    timer = vertx.setPeriodic(TICK_MS, id -> sample());
    return Future.all(requeued).onComplete(ar -> schedule()).mapEmpty();
  }

  /** Stops every pull (their jobs stay RUNNING in the journal, so the next start resumes them). */
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    jobs.removeListener(this);
    List<Future<Transfer.Outcome>> ends = new ArrayList<>();
    for (Running r : running.values()) {
      r.session.cancel("the gateway is stopping");
      ends.add(r.done);
    }
    List<Future<Void>> seeding = seeds.stream().map(RelayTransfer::stopSeeding).toList();
    // pulls flush their resume journals as they stop
    return Future.join(ends).transform(x -> Future.join(seeding)).mapEmpty();
  }

  /** The ids of the jobs transferring now, in the order they started. */
  public List<String> runningJobIds() {
    return List.copyOf(running.keySet());
  }

  public int runningCount() {
    return running.size();
  }

  /** Lanes connected over all running pulls. */
  public int activeLanes() {
    int n = 0;
    for (Running r : running.values()) {
      n += (int) r.session.counters().activeLanes.sum();
    }
    return n;
  }

  /** Bits per second over all running pulls (each over its last 2 s). */
  public long rate() {
    long sum = 0;
    for (String id : running.keySet()) {
      Job j = jobs.table().get(id);
      sum += j == null ? 0 : j.progress().rate();
    }
    return sum;
  }

  /** The member lost the job (a cluster's lease): its pull stops at once, without publishing. */
  public void lost(String id, String why) {
    Running r = running.get(id);
    if (r != null) {
      r.session.cancel(why);
    }
  }

  @Override
  public void onEvent(Job job, JobRecord record) {
    JobEvent e = record.event(); // only a few events concern the runner: the rest change nothing here
    Running r = running.get(job.id());
    if (r != null && (e instanceof JobEvent.Paused || e instanceof JobEvent.Cancelled)) {
      r.session.cancel("job " + e.type() + " by " + record.actor());
    } else if (r != null && e instanceof JobEvent.RateChanged) {
      r.session.rateLimit(job.rateLimit());
    }
    if (e instanceof JobEvent.Submitted || e instanceof JobEvent.Resumed || e instanceof JobEvent.Interrupted) {
      vertx.runOnContext(v -> schedule()); // after the command that queued it has returned
    }
  }

  /** Starts queued jobs while there is room. */
  public void schedule() {
    if (stopped) {
      return;
    }
    int room = maxRunning - running.size() - starting.size();
    if (room <= 0) {
      return;
    }
    List<Job> queued = new ArrayList<>(jobs.table().list(JobState.QUEUED));
    long now = System.nanoTime();
    // in a cluster, only the jobs this member holds; a job whose destination was locked waits its turn
    queued.removeIf(j -> starting.contains(j.id()) || running.containsKey(j.id()) || !jobs.holds(j.id())
        || notBefore.getOrDefault(j.id(), now) > now);
    queued.sort(ORDER);
    for (int i = 0; i < Math.min(room, queued.size()); i++) {
      start(queued.get(i));
    }
  }

  /**
   * Starts a job: records STARTED and, only once that is durable, runs its pull. A job that
   * changed meanwhile (paused, cancelled) is left alone; if the journal cannot be written the job
   * stays queued and scheduling tries again in {@link #RETRY_MS} ms.
   */
  private void start(Job job) {
    starting.add(job.id());
    destinationFree(job).onComplete(free -> {
      if (free.succeeded() && free.result() != null) {
        starting.remove(job.id());
        waitForDestination(job.id(), free.result());
        return;
      }
      job.waiting(null);
      record(job);
    });
  }

  /**
   * Null when the job's destination folder is not locked by another pull, else why: a job does
   * not start (and fail) while another writer holds its destination, it waits. In a cluster that
   * writer may be a gateway frozen past its lease, which stops without writing once it wakes.
   */
  private Future<String> destinationFree(Job job) {
    JobSpec s = job.spec();
    if (s.pushes() || s.dryRun() || paths.remote(s).isHttps() || paths.store(s) != null) {
      // a push only reads its folder (the node locks its own); a dry run writes nothing, not even
      // the lock file this check would leave; an S3 or HDFS store has no folder lock: the job's
      // lease fences it
      return Future.succeededFuture(null);
    }
    Path dest = paths.destination(job.spec());
    return vertx.executeBlocking(() -> {
      if (!Files.isDirectory(dest)) {
        return null;
      }
      try {
        DestinationLock.acquire(dest).release();
        return null;
      } catch (ShardlineException e) {
        return e.code() == ErrorCode.DESTINATION_LOCKED ? e.getMessage() : null; // other problems: the pull names them
      }
    }, false);
  }

  private void waitForDestination(String id, String why) {
    Job j = jobs.table().get(id);
    if (j != null) {
      j.waiting("its destination is locked by another writer; it starts once that one is done (" + why + ")");
    }
    notBefore.put(id, System.nanoTime() + RETRY_MS * 1_000_000);
    retryLater(this::schedule);
  }

  private void record(Job job) {
    jobs.change(job.id(), Caller.SYSTEM, j -> {
      if (j.state() != JobState.QUEUED) {
        throw new JobException(JobException.Kind.CONFLICT, "job " + j.id() + " is " + j.state().label() + ", not queued");
      }
      return new JobEvent.Started(j.attempts() + 1);
    }).onComplete(ar -> {
      starting.remove(job.id());
      if (ar.failed()) {
        if (unavailable(ar.cause())) {
          LOG.warn("job {} not started: {}", job.id(), ar.cause().getMessage());
          retryLater(this::schedule);
        } else {
          schedule(); // it changed meanwhile: its slot goes to the next queued job
        }
        return;
      }
      if (stopped) {
        return; // the journal has it RUNNING: the next start puts it back in the queue
      }
      run(ar.result());
    });
  }

  private void run(Job job) {
    Transfer session;
    try {
      session = transfer(job);
    } catch (RuntimeException e) {
      String error = message(e);
      recordEnd(job.id(), j -> new JobEvent.Failed(null, error));
      return;
    }
    Running r = new Running(session);
    running.put(job.id(), r);
    LOG.info("job {} started ({}): {} -> {}", job.id(), job.spec().mode().label() + (job.spec().mode() == JobMode.SYNC
        ? ", " + job.spec().direction() + " direction" : ""), job.spec().source() + ":" + job.spec().sourcePath(),
        job.spec().destination() + ":" + job.spec().destPath());
    try {
      r.done = session.run();
    } catch (RuntimeException e) {
      r.done = Future.failedFuture(e);
    }
    if (session instanceof RelayTransfer relay) {
      r.done.onComplete(ar -> {
        if (!relay.seedingEnded().isComplete()) {
          seeds.add(relay);
          relay.seedingEnded().onComplete(x -> seeds.remove(relay));
        }
      });
    }
    r.done.onComplete(ar -> jobs.context().runOnContext(v -> finished(job, r,
        ar.succeeded() ? ar.result() : null, ar.cause())));
  }

  /** The job's transfer, by its mode and what its remote speaks. */
  private Transfer transfer(Job job) {
    JobSpec s = job.spec();
    Remote remote = paths.remote(s);
    if (s.pushes()) {
      return new PushTransfer(transfers, pushOptions(job, remote));
    }
    if (s.mode() == JobMode.SYNC) {
      return new SyncTransfer(transfers, options(job, remote), s.delete(), s.dryRun(), maxRunning);
    }
    if (s.broadcast() != null) {
      return relayTransfer(job, remote);
    }
    return remote.isHttps() ? new HttpsTransfer(transfers, httpsOptions(job, remote))
        : new NodeTransfer(transfers, options(job, remote));
  }

  /**
   * A broadcast's job: a relay that pulls the job's pull (from its upstreams' relays first) into the
   * job's folder through the job's fence, and serves it on {@link #relayHost}.
   */
  private Transfer relayTransfer(Job job, Remote remote) {
    UnaryOperator<ChunkSink.Factory> fence = inner -> new FencedDestination(inner,
        () -> jobs.ownership().mayWrite(job.id()), () -> jobs.ownership().fenceReason(job.id()));
    if (relayState == null) {
      try {
        relayState = Files.createTempDirectory("shardline-relay");
      } catch (IOException e) {
        throw new IllegalStateException("no folder for the relay's certificate: " + e.getMessage(), e);
      }
    }
    ServeOptions serve = new ServeOptions().host(relayHost).stateDir(relayState);
    return new RelayTransfer(transfers, options(job, remote), serve, relays, job.spec().broadcast(), node.get(), fence);
  }

  private static String token(Remote remote) {
    return read(remote.tokenFile(), "token file", remote);
  }

  /** A file's secret, trimmed (read at each attempt, so it can be rotated); "" without a file. */
  private static String read(Path file, String what, Remote remote) {
    if (file == null) {
      return "";
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the " + what + " of remote '" + remote.name() + "': " + e.getMessage(), e);
    }
  }

  /**
   * A push (or a push-direction sync): the job's local file or folder (checked again inside its
   * root now) into the node's folder, with the node's push token (read now), trust and client
   * certificate, and the job's lanes, compression and rate limit.
   */
  private PushOptions pushOptions(Job job, Remote remote) {
    JobSpec s = job.spec();
    String path = s.remotePath().startsWith("/") ? s.remotePath().substring(1) : s.remotePath();
    String token = read(remote.pushTokenFile(), "push token file", remote);
    if (token.isEmpty()) {
      throw new IllegalStateException("the push token file of remote '" + remote.name() + "' is empty");
    }
    return new PushOptions()
        .local(paths.destination(s))
        .target(new ShardlineUrl(remote.node().host(), remote.node().port(), path))
        .token(token)
        .trust(remote.trust())
        .clientCert(remote.clientCert())
        .clientKey(remote.clientKey())
        .lanes(s.lanes())
        .compression(s.compression())
        .rateLimit(job.rateLimit())
        .sync(s.mode() == JobMode.SYNC)
        .delete(s.delete())
        .dryRun(s.dryRun());
  }

  /**
   * A node pull (or a pull-direction sync) into the job's destination, its sinks fenced by the
   * job's lease. Into a local folder the folder is also the pull's base: the files it already
   * holds are the older versions a delta pull copies unchanged chunks from. (The engine finds them
   * through the sink's {@code previousVersion}, which the fence does not pass on.)
   */
  private PullOptions options(Job job, Remote remote) {
    JobSpec s = job.spec();
    String path = s.sourcePath().startsWith("/") ? s.sourcePath() : "/" + s.sourcePath();
    PullOptions o = new PullOptions();
    if (paths.store(s) == null) {
      o.base(paths.destination(s));
    }
    return o
        .source(new ShardlineUrl(remote.node().host(), remote.node().port(), path.equals("/") ? "" : path.substring(1)))
        .destination(paths.pullDestination(s))
        .sinks(new FencedDestination(paths.sinks(s),
            () -> jobs.ownership().mayWrite(job.id()), () -> jobs.ownership().fenceReason(job.id())))
        .trust(remote.trust())
        .token(token(remote))
        .lanes(s.lanes())
        .compression(s.compression())
        .rateLimit(job.rateLimit())
        .clientCert(remote.clientCert()) // mutual TLS, when the remote requires it
        .clientKey(remote.clientKey());
  }

  /**
   * A file of an HTTPS remote: the job's path under the remote's base URL, the remote's token as a
   * bearer token and its header file's headers (both read now, so secrets can rotate between
   * jobs), the job's lanes, rate limit and expected SHA-256.
   */
  private HttpsPullOptions httpsOptions(Job job, Remote remote) {
    JobSpec s = job.spec();
    HttpsPullOptions o = new HttpsPullOptions()
        .url(fileUrl(remote.https(), s.sourcePath()))
        .destination(paths.destination(s))
        .trust(remote.trust())
        .lanes(s.lanes())
        .rateLimit(job.rateLimit())
        .fence(() -> jobs.ownership().mayWrite(job.id()), () -> jobs.ownership().fenceReason(job.id()));
    String token = token(remote);
    if (!token.isEmpty()) {
      o.header("Authorization", "Bearer " + token);
    }
    if (remote.headersFile() != null) {
      try {
        HeaderFile.read(remote.headersFile()).forEach(h -> o.header(h[0], h[1]));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("the header file of remote '" + remote.name() + "': " + e.getMessage(), e);
      }
    }
    if (s.sha256() != null) {
      o.sha256(HexFormat.of().parseHex(s.sha256()));
    }
    return o;
  }

  /** {@code base} (ending in /) with the job's relative path appended, each segment percent-encoded. */
  static URI fileUrl(URI base, String path) {
    String rel = path.startsWith("/") ? path.substring(1) : path;
    try {
      String encoded = new URI(null, null, "/" + rel, null).getRawPath(); // "/" first: a colon starts no scheme
      return URI.create(base.toString() + encoded.substring(1));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("source path '" + path + "' cannot be made a URL: " + e.getMessage(), e);
    }
  }

  private void finished(Job job, Running r, Transfer.Outcome result, Throwable failure) {
    running.remove(job.id());
    sample(job, r);
    AttemptStats attempt = result == null ? null : result.stats();
    JsonObject sync = result == null ? null : result.sync();
    if (stopped) {
      return; // the journal keeps the job RUNNING; the next start puts it back in the queue
    }
    String error = result != null && result.ok() ? null
        : failure != null ? message(failure) : String.join("; ", result.errors());
    if (error != null && !jobs.ownership().mayWrite(job.id())) {
      // Fenced: this member lost the job (its lease lapsed or moved) while it ran. The pull
      // stopped without publishing; the member that holds the job now runs it. Only this
      // member's own audit journal records that.
      String why = jobs.ownership().fenceReason(job.id());
      recordEnd(job.id(), j -> j.state() == JobState.RUNNING
          ? new JobEvent.Interrupted("fenced: " + why + "; this gateway's pull stopped without publishing")
          : new JobEvent.AttemptEnded(attempt, j.state(), sync));
      return;
    }
    if (error != null && error.contains(DestinationLock.LOCKED)) {
      // another writer took the destination's lock between the check and the pull: wait for it
      recordEnd(job.id(), j -> j.state() == JobState.RUNNING
          ? new JobEvent.Interrupted("its destination was locked by another writer; it starts again once that one is done")
          : new JobEvent.AttemptEnded(attempt, j.state(), sync));
      waitForDestination(job.id(), error);
      return;
    }
    recordEnd(job.id(), j -> {
      if (j.state() != JobState.RUNNING) { // paused or cancelled while it ran
        return new JobEvent.AttemptEnded(attempt, j.state(), sync);
      }
      return error == null ? new JobEvent.Succeeded(attempt, result.digests(), sync)
          : new JobEvent.Failed(attempt, error, sync);
    });
  }

  /**
   * Records how an attempt ended; while the journal cannot be written, tries again every
   * {@link #RETRY_MS} ms (the job stays RUNNING meanwhile, and its pull is over).
   */
  private void recordEnd(String id, Function<Job, JobEvent> decide) {
    jobs.change(id, Caller.SYSTEM, decide).onComplete(ar -> {
      if (ar.failed() && unavailable(ar.cause())) {
        LOG.warn("the end of job {}'s attempt is not recorded yet: {}", id, ar.cause().getMessage());
        retryLater(() -> recordEnd(id, decide));
      } else if (ar.failed()) {
        LOG.error("the end of job {}'s attempt cannot be recorded", id, ar.cause());
      }
      schedule();
    });
  }

  private void retryLater(Runnable action) {
    vertx.setTimer(RETRY_MS, t -> {
      if (!stopped) {
        action.run();
      }
    });
  }

  private static boolean unavailable(Throwable t) {
    return t instanceof JobException e && e.kind() == JobException.Kind.UNAVAILABLE;
  }

  private void sample() {
    for (Map.Entry<String, Running> e : running.entrySet()) {
      Job j = jobs.table().get(e.getKey());
      if (j != null) {
        sample(j, e.getValue());
        progressListeners.forEach(l -> l.accept(j));
      }
    }
  }

  private void sample(Job j, Running r) {
    TransferCounters c = r.session.counters();
    long moved = c.bytesDone.sum();
    long wire = c.wireBytes.sum();
    long retries = c.retriedChunks.sum();
    long reconnects = c.reconnects.sum();
    stats.sampled(moved - r.lastBytes, wire - r.lastWire, retries - r.lastRetries, reconnects - r.lastReconnects);
    r.lastBytes = moved;
    r.lastWire = wire;
    r.lastRetries = retries;
    r.lastReconnects = reconnects;
    long resumed = c.bytesResumed.sum();
    long done = moved + resumed;
    long total = c.bytesTotal;
    long rate = r.window.add(System.nanoTime(), moved);
    long eta = rate > 0 && total > 0 ? Math.max(0, (total - done) / rate) : (total > 0 && done >= total ? 0 : -1);
    j.progress(new Progress(done, total, j.pastWire() + wire, rate * 8, eta, (int) c.filesDone.sum(),
        c.filesTotal, j.pastRetries() + retries, j.pastReconnects() + reconnects,
        (int) c.activeLanes.sum(), resumed, c.reusedBytes.sum()));
  }

  private static String message(Throwable t) {
    return ShardlineException.wrap(t, ErrorCode.INTERNAL).getMessage();
  }
}
