package io.shardline.gateway.job;

import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What can happen to a job: the events of the journal, one record each, with typed fields. Each
 * has its wire {@link #type()} name (the journal's {@code type}); {@link JobEventJson} is the one
 * place that turns them into JSON and back. {@link JobTable#apply} gives each its meaning.
 *
 * <p>Why a {@link Visitor}: the project compiles for Java 17, where pattern matching for
 * {@code switch} is still a preview, and an {@code instanceof} chain compiles silently when a case
 * is missing. With a visitor the compiler checks both directions: a new event must implement
 * {@link #accept}, which needs a new {@code Visitor} method, which every visitor (the table's
 * fold, the JSON encoder) must then implement. Readers that care about a few events only (the
 * runner) use {@code instanceof}. Once the project moves to Java 21, {@code accept} can give way
 * to an exhaustive {@code switch} over this sealed interface.
 */
public sealed interface JobEvent permits JobEvent.Submitted, JobEvent.Started, JobEvent.Paused, JobEvent.Resumed,
    JobEvent.Cancelled, JobEvent.RateChanged, JobEvent.AttemptEnded, JobEvent.Succeeded, JobEvent.Failed,
    JobEvent.Interrupted {

  /** The event's name in the journal and the API: {@code submitted}, {@code rate-changed}, ... */
  String type();

  <R> R accept(Visitor<R> v);

  /** One method per event: implementing it handles every kind of event, checked when compiling. */
  interface Visitor<R> {
    R submitted(Submitted e);
    R started(Started e);
    R paused(Paused e);
    R resumed(Resumed e);
    R cancelled(Cancelled e);
    R rateChanged(RateChanged e);
    R attemptEnded(AttemptEnded e);
    R succeeded(Succeeded e);
    R failed(Failed e);
    R interrupted(Interrupted e);
  }

  /** A job was accepted; {@code idempotencyKey} is null when the request had none. */
  record Submitted(JobSpec spec, String idempotencyKey, String requestHash) implements JobEvent {
    public static final String TYPE = "submitted";

    public Submitted {
      require(spec, TYPE, "spec");
      require(requestHash, TYPE, "requestHash");
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.submitted(this); }
  }

  /** Attempt number {@code attempt} (from 1) started. */
  record Started(int attempt) implements JobEvent {
    public static final String TYPE = "started";

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.started(this); }
  }

  /** Paused by an operator, from state {@code from}; it keeps its verified chunks. */
  record Paused(JobState from) implements JobEvent {
    public static final String TYPE = "paused";

    public Paused {
      require(from, TYPE, "from");
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.paused(this); }
  }

  /** Resumed (or retried, after a failure) by an operator, from state {@code from}: back in the queue. */
  record Resumed(JobState from) implements JobEvent {
    public static final String TYPE = "resumed";

    public Resumed {
      require(from, TYPE, "from");
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.resumed(this); }
  }

  /** Cancelled for good, from state {@code from}. */
  record Cancelled(JobState from) implements JobEvent {
    public static final String TYPE = "cancelled";

    public Cancelled {
      require(from, TYPE, "from");
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.cancelled(this); }
  }

  /** The rate limit changed to {@code rateLimit} from {@code from} (bytes per second, 0 for none). */
  record RateChanged(long rateLimit, long from) implements JobEvent {
    public static final String TYPE = "rate-changed";

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.rateChanged(this); }
  }

  /**
   * A running attempt stopped because the job was paused or cancelled meanwhile ({@code reason}:
   * the state it was in); {@code stats} is null when the pull ended without a result; {@code sync}
   * is a sync job's log ({@code SyncLog}'s JSON, as the journal keeps it), else null.
   */
  record AttemptEnded(AttemptStats stats, JobState reason, JsonObject sync) implements JobEvent {
    public static final String TYPE = "attempt-ended";

    public AttemptEnded {
      require(reason, TYPE, "reason");
    }

    public AttemptEnded(AttemptStats stats, JobState reason) {
      this(stats, reason, null);
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.attemptEnded(this); }
  }

  /**
   * All files verified and published: the attempt's statistics and each file's digest, in file
   * order; {@code sync} is a sync job's log, else null.
   */
  record Succeeded(AttemptStats stats, Map<String, String> digests, JsonObject sync) implements JobEvent {
    public static final String TYPE = "succeeded";

    public Succeeded {
      require(stats, TYPE, "stats");
      require(digests, TYPE, "digests");
      digests = Collections.unmodifiableMap(new LinkedHashMap<>(digests)); // the order is kept, as in the journal
    }

    public Succeeded(AttemptStats stats, Map<String, String> digests) {
      this(stats, digests, null);
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.succeeded(this); }
  }

  /**
   * The attempt failed with {@code error}; {@code stats} is null when the pull never ran or gave no
   * result; {@code sync} is a sync job's log when it got that far, else null.
   */
  record Failed(AttemptStats stats, String error, JsonObject sync) implements JobEvent {
    public static final String TYPE = "failed";

    public Failed {
      require(error, TYPE, "error");
    }

    public Failed(AttemptStats stats, String error) {
      this(stats, error, null);
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.failed(this); }
  }

  /** The gateway stopped (or was killed) while the job ran; it goes back to the queue. */
  record Interrupted(String reason) implements JobEvent {
    public static final String TYPE = "interrupted";

    public Interrupted {
      require(reason, TYPE, "reason");
    }

    @Override public String type() { return TYPE; }
    @Override public <R> R accept(Visitor<R> v) { return v.interrupted(this); }
  }

  private static void require(Object field, String type, String name) {
    if (field == null) {
      throw new IllegalArgumentException("a " + type + " event needs its '" + name + "'");
    }
  }
}
