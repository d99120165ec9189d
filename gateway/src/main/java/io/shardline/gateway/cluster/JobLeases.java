package io.shardline.gateway.cluster;

import io.shardline.gateway.auth.Caller;
import io.shardline.gateway.job.Job;
import io.shardline.gateway.job.JobEvent;
import io.shardline.gateway.job.JobEventJson;
import io.shardline.gateway.job.JobOwnership;
import io.shardline.gateway.job.JobRecord;
import io.shardline.gateway.job.JobService;
import io.shardline.gateway.job.JobSpec;
import io.shardline.gateway.job.JobState;
import io.shardline.gateway.job.JobTable;
import io.shardline.gateway.journal.JournalRecord;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which member of a gateway cluster holds each job, and the takeover of a job whose holder died
 * or froze. Each job has one entry in the cluster's job map: its {@link Lease} (holder, epoch,
 * expiry) and its history (every journal record of the holder's about it). Every change of an
 * entry is a compare-and-set against the entry this member last saw, so only the holder changes
 * it, and of two members that try to take a job over at once one wins.
 *
 * <ul>
 *   <li>A job accepted here gets its first lease, and its history is replicated (the map has a
 *       synchronous backup) before the submission is answered; so is every later event's.
 *   <li>The holder renews its leases every third of their time. It may write for a job only
 *       until the lease's time, counted from the start of its last successful renewal on its own
 *       monotonic clock; once that has passed it gives the job up for good (a member frozen past
 *       its lease never writes again, whatever it finds in the map when it wakes).
 *   <li>Every member scans the entries; a lease lapsed more than the grace on a job whose
 *       destination this member has is taken over (the next epoch), its history appended to this
 *       member's journal, an {@code interrupted} event naming who took over if it was running,
 *       and the job queued here: it resumes from the engine's journal on the shared destination.
 *   <li>A job that ended keeps its holder for good ({@link Lease#ENDED}).
 * </ul>
 *
 * Confined to the gateway's context, except {@link #mayWrite} and {@link #holds} (any thread).
 */
public final class JobLeases implements JobOwnership {
  private static final Logger LOG = LoggerFactory.getLogger(JobLeases.class);

  private final GatewayCluster cluster;
  private final JobService jobs;
  private final Vertx vertx;
  private final Context context;
  private final String node;
  private final Set<String> destinations;
  private final long ttlMs;
  private final long graceMs;
  private final LongSupplier wallClock;
  /** Jobs held here: lease, the entry last stored, and the monotonic deadline for writing. */
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  /** Why a job was given up (the fence's reason). */
  private final Map<String, String> lost = new ConcurrentHashMap<>();
  /** The last entry update in flight per job: the next waits for it (a CAS needs the last one's result). */
  private final Map<String, Future<Void>> updating = new HashMap<>();
  private final Set<String> taking = ConcurrentHashMap.newKeySet();
  private BiConsumer<String, String> onLost = (id, why) -> { };
  private long timer = -1;

  /** A job held here. {@code writeUntil}: System.nanoTime() deadline; Long.MAX_VALUE once the job ended. */
  private record Held(Lease lease, String stored, long writeUntil) {}

  public JobLeases(GatewayCluster cluster, JobService jobs, Vertx vertx, Context context, Set<String> destinations,
      long ttlMs) {
    this.cluster = cluster;
    this.jobs = jobs;
    this.vertx = vertx;
    this.context = context;
    this.node = cluster.node();
    this.destinations = Set.copyOf(destinations);
    this.ttlMs = ttlMs;
    this.graceMs = Math.max(1000, ttlMs / 4);
    this.wallClock = System::currentTimeMillis;
  }

  /** Called (on the context) with a job's id and the reason when this member gives the job up. */
  public void onLost(BiConsumer<String, String> l) {
    onLost = l;
  }

  /** The member an entry's lease names (forwarding reads it). */
  static String holder(String entry) {
    return Lease.parse(new JsonObject(entry).getString("lease")).node();
  }

  private static String entry(Lease lease, List<JobRecord> history) {
    JsonArray records = new JsonArray();
    for (JobRecord r : history) {
      records.add(JobEventJson.toJournal(r).toJson());
    }
    return new JsonObject().put("lease", lease.encode()).put("records", records).encode();
  }

  private static String withLease(String stored, Lease lease) {
    return new JsonObject(stored).put("lease", lease.encode()).encode();
  }

  // --- JobOwnership -------------------------------------------------------------------------

  @Override
  public boolean holds(String jobId) {
    return held.containsKey(jobId);
  }

  @Override
  public boolean mayWrite(String jobId) {
    Held h = held.get(jobId);
    return h != null && System.nanoTime() < h.writeUntil();
  }

  @Override
  public String fenceReason(String jobId) {
    String why = lost.get(jobId);
    return why != null ? why : "gateway " + node + "'s lease on job " + jobId + " lapsed (not renewed within "
        + ttlMs + " ms); another gateway may take the job over";
  }

  @Override
  public Future<Void> recorded(String jobId, List<JobRecord> history) {
    Held h = held.get(jobId);
    if (h == null) {
      if (history.size() != 1 || !(history.get(0).event() instanceof JobEvent.Submitted)) {
        return Future.succeededFuture(); // a job another member holds: its history is that member's
      }
      long start = System.nanoTime();
      Lease first = Lease.first(node, wallClock.getAsLong(), ttlMs);
      String e = entry(first, history);
      held.put(jobId, new Held(first, e, start + ttlMs * 1_000_000));
      return serially(jobId, () -> cluster.putJobEntryIfAbsent(jobId, e).map(prev -> {
        if (prev != null) {
          throw new IllegalStateException("job id " + jobId + " is already in the cluster");
        }
        return null;
      }));
    }
    boolean ended = jobs.table().get(jobId) != null && jobs.table().get(jobId).state().ended();
    return update(jobId, x -> {
      Lease l = ended ? x.lease().end() : x.lease();
      return entry(l, history);
    });
  }

  /** Replaces this member's entry of a job it holds with {@code next} of what it stored last. */
  private Future<Void> update(String jobId, java.util.function.Function<Held, String> next) {
    return serially(jobId, () -> {
      Held h = held.get(jobId);
      if (h == null) {
        return Future.succeededFuture(); // given up meanwhile
      }
      String e = next.apply(h);
      Lease l = Lease.parse(new JsonObject(e).getString("lease"));
      long start = System.nanoTime();
      return cluster.replaceJobEntry(jobId, h.stored(), e).compose(ok -> {
        if (ok) {
          Held now = held.get(jobId);
          long until = l.ended() ? Long.MAX_VALUE
              : l.expiresAt() != h.lease().expiresAt() ? start + ttlMs * 1_000_000 : h.writeUntil();
          if (now != null) {
            held.put(jobId, new Held(l, e, until));
          }
          return Future.succeededFuture();
        }
        return cluster.jobEntry(jobId).compose(current -> {
          String who = current == null ? "nobody" : holder(current);
          giveUp(jobId, "gateway " + node + " lost job " + jobId + " to " + who + " (its lease, epoch "
              + h.lease().epoch() + ", was taken over)");
          return Future.failedFuture("job " + jobId + " is held by " + who + " now");
        });
      });
    });
  }

  private Future<Void> serially(String jobId, java.util.function.Supplier<Future<Void>> step) {
    Future<Void> before = updating.get(jobId);
    Future<Void> f = before == null ? step.get() : before.transform(ar -> step.get());
    updating.put(jobId, f);
    f.onComplete(ar -> {
      if (updating.get(jobId) == f) {
        updating.remove(jobId);
      }
    });
    return f;
  }

  private void giveUp(String jobId, String why) {
    if (held.remove(jobId) != null) {
      lost.put(jobId, why);
      LOG.warn("{}", why);
      onLost.accept(jobId, why);
    }
  }

  // --- start, renewal and takeover ------------------------------------------------------------

  /**
   * At join: claims the jobs of this member's journal that no member holds (jobs from before the
   * cluster) or that this member held before it restarted (the next epoch: a new incarnation),
   * then renews and scans every third of the lease time.
   */
  public Future<Void> start() {
    List<Future<Void>> claims = new ArrayList<>();
    for (Job j : jobs.table().list(null)) {
      claims.add(claimLocal(j));
    }
    long period = Math.max(100, ttlMs / 3);
    timer = vertx.setPeriodic(period, t -> context.runOnContext(v -> tick()));
    return Future.join(claims).<Void>mapEmpty().otherwiseEmpty();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private Future<Void> claimLocal(Job j) {
    String id = j.id();
    long start = System.nanoTime();
    long now = wallClock.getAsLong();
    Lease first = Lease.first(node, now, ttlMs);
    Lease mine = j.state().ended() ? first.end() : first;
    String e = entry(mine, j.events());
    return cluster.putJobEntryIfAbsent(id, e).compose(prev -> {
      if (prev == null) {
        held.put(id, new Held(mine, e, mine.ended() ? Long.MAX_VALUE : start + ttlMs * 1_000_000));
        return Future.succeededFuture();
      }
      Lease there = Lease.parse(new JsonObject(prev).getString("lease"));
      if (!there.node().equals(node)) {
        return Future.succeededFuture(); // another member holds it now; the scan takes it if it lapses
      }
      Lease next = there.ended() ? there : there.takenBy(node, now, ttlMs);
      String again = entry(next, j.events());
      return cluster.replaceJobEntry(id, prev, again).<Void>map(ok -> {
        if (ok) {
          held.put(id, new Held(next, again, next.ended() ? Long.MAX_VALUE : start + ttlMs * 1_000_000));
        }
        return null;
      });
    }).onFailure(t -> LOG.warn("job {} not claimed in the cluster: {}", id, t.toString()));
  }

  private void tick() {
    long nowNanos = System.nanoTime();
    for (Map.Entry<String, Held> e : held.entrySet()) {
      Held h = e.getValue();
      if (h.lease().ended()) {
        continue;
      }
      if (nowNanos >= h.writeUntil()) {
        // Lapsed by this member's own clock (frozen, or the cluster unreachable): another member
        // may hold it already. Given up for good, whatever the map says.
        giveUp(e.getKey(), "gateway " + node + "'s lease on job " + e.getKey() + " (epoch " + h.lease().epoch()
            + ") lapsed before it could be renewed; it stopped writing and gave the job up");
        continue;
      }
      update(e.getKey(), x -> withLease(x.stored(), x.lease().renewed(wallClock.getAsLong(), ttlMs)))
          .onFailure(t -> LOG.debug("lease of job {} not renewed: {}", e.getKey(), t.toString()));
    }
    cluster.jobEntries().onSuccess(this::scan)
        .onFailure(t -> LOG.warn("cannot scan the cluster's jobs: {}", t.toString()));
  }

  /** Takes over the jobs whose lease lapsed and whose destination this member has. */
  private void scan(Map<String, String> entries) {
    long now = wallClock.getAsLong();
    LOG.debug("scan: {} jobs in the cluster, {} held here", entries.size(), held.size());
    entries.forEach((id, stored) -> {
      if (held.containsKey(id) || taking.contains(id)) {
        return;
      }
      JsonObject e;
      Lease l;
      try {
        e = new JsonObject(stored);
        l = Lease.parse(e.getString("lease"));
      } catch (RuntimeException bad) {
        LOG.warn("job {}'s entry in the cluster does not parse: {}", id, bad.getMessage());
        return;
      }
      if (!l.lapsed(now, graceMs)) {
        return;
      }
      List<JournalRecord> history = new ArrayList<>();
      for (Object o : e.getJsonArray("records", new JsonArray())) {
        history.add(JournalRecord.fromJson((JsonObject) o));
      }
      String dest = destination(history);
      if (dest == null || !destinations.contains(dest)) {
        return;
      }
      take(id, stored, l, history);
    });
  }

  private static String destination(List<JournalRecord> history) {
    if (history.isEmpty() || !JobEvent.Submitted.TYPE.equals(history.get(0).type())) {
      return null;
    }
    return JobSpec.localRootOf(history.get(0).data().getJsonObject("spec")); // a push's is its source
  }

  private void take(String id, String stored, Lease lapsed, List<JournalRecord> history) {
    taking.add(id);
    long start = System.nanoTime();
    Lease next = lapsed.takenBy(node, wallClock.getAsLong(), ttlMs);
    String mine = withLease(stored, next);
    JobState was;
    try {
      JobTable t = new JobTable();
      t.replay(history);
      was = t.get(id).state();
    } catch (RuntimeException bad) {
      LOG.warn("job {}'s history in the cluster does not replay: {}", id, bad.getMessage());
      taking.remove(id);
      return;
    }
    cluster.replaceJobEntry(id, stored, mine).compose(ok -> {
      if (!ok) {
        return Future.succeededFuture(); // another member took it first
      }
      held.put(id, new Held(next, mine, start + ttlMs * 1_000_000));
      lost.remove(id);
      String why = "gateway " + lapsed.node() + " lost the job (its lease, epoch " + lapsed.epoch()
          + ", lapsed); gateway " + node + " took it over (epoch " + next.epoch() + ")";
      LOG.warn("{}: job {}", why, id);
      JobEvent then = was == JobState.RUNNING ? new JobEvent.Interrupted(why + "; it resumes from the verified chunks")
          : null;
      return jobs.adopt(id, history, then, Caller.SYSTEM).mapEmpty();
    }).onComplete(ar -> {
      taking.remove(id);
      if (ar.failed()) {
        LOG.warn("job {} not taken over: {}", id, ar.cause().toString());
      }
    });
  }

  /** The jobs this member holds (tests, the cluster view). */
  public Set<String> heldJobs() {
    return Set.copyOf(held.keySet());
  }
}
