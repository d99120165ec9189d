package io.shardline.gateway.job;

import io.shardline.engine.lane.TransferCounters;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.PullResult;
import io.shardline.engine.transfer.PullSession;
import io.shardline.engine.transfer.ShardlineUrl;
import io.shardline.engine.wire.ShardlineException;
import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.config.Remote;
import io.shardline.gateway.journal.JournalRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
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
  private final List<Consumer<Job>> progressListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private long timer = -1;
  private boolean stopped;

  /** A pull in progress and what its progress display needs. */
  private static final class Running {
    final PullSession session;
    final RateWindow window = new RateWindow(9);
    Future<PullResult> done;
    long lastBytes;
    long lastWire;
    long lastRetries;
    long lastReconnects;
    Running(PullSession session) {
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
      requeued.add(jobs.record(j.id(), EventType.INTERRUPTED, Caller.SYSTEM,
          new JsonObject().put("reason", "the gateway stopped while the job ran; it resumes from the verified chunks")));
    }
    timer = vertx.setPeriodic(TICK_MS, id -> sample());
    return Future.all(requeued).onComplete(ar -> schedule()).mapEmpty();
  }

  /** Stops every pull (their jobs stay RUNNING in the journal, so the next start resumes them). */
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    jobs.removeListener(this);
    List<Future<PullResult>> ends = new ArrayList<>();
    for (Running r : running.values()) {
      r.session.cancel("the gateway is stopping");
      ends.add(r.done);
    }
    return Future.join(ends).mapEmpty(); // pulls flush their resume journals as they stop
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

  @Override
  public void onEvent(Job job, JournalRecord event) {
    Running r = running.get(job.id());
    switch (event.type()) {
      case EventType.PAUSED, EventType.CANCELLED -> {
        if (r != null) {
          r.session.cancel("job " + event.type() + " by " + event.actor());
        }
      }
      case EventType.RATE_CHANGED -> {
        if (r != null) {
          r.session.rateLimit(job.rateLimit());
        }
      }
      default -> { }
    }
    if (EventType.SUBMITTED.equals(event.type()) || EventType.RESUMED.equals(event.type())
        || EventType.INTERRUPTED.equals(event.type())) {
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
    queued.removeIf(j -> starting.contains(j.id()) || running.containsKey(j.id()));
    queued.sort(ORDER);
    for (int i = 0; i < Math.min(room, queued.size()); i++) {
      start(queued.get(i));
    }
  }

  private void start(Job job) {
    starting.add(job.id());
    PullSession session;
    try {
      session = new PullSession(transfers, options(job));
    } catch (RuntimeException e) {
      starting.remove(job.id());
      jobs.record(job.id(), EventType.STARTED, Caller.SYSTEM, new JsonObject().put("attempt", job.attempts() + 1))
          .compose(j -> jobs.record(j.id(), EventType.FAILED, Caller.SYSTEM, new JsonObject().put("error", message(e))))
          .onComplete(ar -> schedule());
      return;
    }
    jobs.record(job.id(), EventType.STARTED, Caller.SYSTEM, new JsonObject().put("attempt", job.attempts() + 1));
    starting.remove(job.id());
    Running r = new Running(session);
    running.put(job.id(), r);
    LOG.info("job {} started: {} -> {}", job.id(), job.spec().source() + ":" + job.spec().sourcePath(),
        job.spec().destination() + ":" + job.spec().destPath());
    r.done = session.run();
    r.done.onComplete(ar -> jobs.context().runOnContext(v -> finished(job, r,
        ar.succeeded() ? ar.result() : null, ar.cause())));
  }

  private PullOptions options(Job job) {
    JobSpec s = job.spec();
    Remote remote = paths.remote(s);
    String token = "";
    if (remote.tokenFile() != null) {
      try {
        token = Files.readString(remote.tokenFile(), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the token file of remote '" + remote.name() + "': " + e.getMessage(), e);
      }
    }
    String path = s.sourcePath().startsWith("/") ? s.sourcePath() : "/" + s.sourcePath();
    return new PullOptions()
        .source(new ShardlineUrl(remote.url().host(), remote.url().port(), path.equals("/") ? "" : path.substring(1)))
        .destination(paths.destination(s))
        .trust(remote.trust())
        .token(token)
        .lanes(s.lanes())
        .compression(s.compression())
        .rateLimit(job.rateLimit())
        .clientCert(remote.clientCert()) // mutual TLS, when the remote requires it
        .clientKey(remote.clientKey());
  }

  private void finished(Job job, Running r, PullResult result, Throwable failure) {
    running.remove(job.id());
    sample(job, r);
    JsonObject stats = stats(result);
    if (stopped) {
      return; // the journal keeps the job RUNNING; the next start puts it back in the queue
    }
    Future<Job> recorded;
    if (job.state() != JobState.RUNNING) {
      recorded = jobs.record(job.id(), EventType.ATTEMPT_ENDED, Caller.SYSTEM, stats.put("reason", job.state().label()));
    } else if (result != null && result.ok()) {
      JsonObject digests = new JsonObject();
      result.digests().forEach(digests::put);
      recorded = jobs.record(job.id(), EventType.SUCCEEDED, Caller.SYSTEM, stats.put("digests", digests));
    } else {
      String error = failure != null ? message(failure) : String.join("; ", result.errors());
      recorded = jobs.record(job.id(), EventType.FAILED, Caller.SYSTEM, stats.put("error", error));
    }
    recorded.onComplete(ar -> schedule());
  }

  private static JsonObject stats(PullResult r) {
    JsonObject s = new JsonObject();
    if (r != null) {
      s.put("files", r.files()).put("totalBytes", r.totalBytes()).put("bytes", r.bytes()).put("wireBytes", r.wireBytes())
          .put("seconds", Math.round(r.seconds() * 1000) / 1000.0).put("chunks", r.chunks())
          .put("retriedChunks", r.retriedChunks()).put("resumedChunks", r.resumedChunks())
          .put("reconnects", r.reconnects()).put("verified", r.verified());
    }
    return s;
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
    long done = moved + c.bytesResumed.sum();
    long total = c.bytesTotal;
    long rate = r.window.add(System.nanoTime(), moved);
    long eta = rate > 0 && total > 0 ? Math.max(0, (total - done) / rate) : (total > 0 && done >= total ? 0 : -1);
    j.progress(new Progress(done, total, j.pastWire() + wire, rate * 8, eta, (int) c.filesDone.sum(),
        c.filesTotal, j.pastRetries() + retries, j.pastReconnects() + reconnects,
        (int) c.activeLanes.sum()));
  }

  private static String message(Throwable t) {
    return ShardlineException.wrap(t, io.shardline.engine.wire.ErrorCode.INTERNAL).getMessage();
  }
}
