package io.shardline.gateway.job;

import io.vertx.core.Future;
import java.util.List;

/**
 * Which jobs this gateway holds, and whether it may write for them now. A gateway alone holds
 * every job it has, always ({@link #ALONE}); in a cluster a job is held by one member at a time,
 * under a lease with an epoch, and its history is replicated to the cluster before a command on
 * it is answered, so another member can take the job over when its holder dies or freezes.
 */
public interface JobOwnership {
  /** Whether this gateway holds the job: it answers for it, runs it and records its events. */
  boolean holds(String jobId);

  /**
   * Whether this gateway may still write for the job now: it holds the job and its lease has not
   * lapsed by this gateway's own monotonic clock. Asked by disk workers before every write and
   * publish: cheap and thread-safe.
   */
  boolean mayWrite(String jobId);

  /** Why {@link #mayWrite} says no (for the pull's error and the audit log). */
  String fenceReason(String jobId);

  /**
   * Called once an event is durable in this gateway's journal and before it is applied or
   * answered: {@code history} is the job's every record so far, the new one last. Completes once
   * the history is safe beyond this gateway (replicated to another member); a failure is logged
   * by the caller and changes nothing here (the event is durable in this gateway's journal).
   */
  Future<Void> recorded(String jobId, List<JobRecord> history);

  /** A gateway alone: it holds every job and may always write. */
  JobOwnership ALONE = new JobOwnership() {
    @Override public boolean holds(String jobId) { return true; }
    @Override public boolean mayWrite(String jobId) { return true; }
    @Override public String fenceReason(String jobId) { return ""; }
    @Override public Future<Void> recorded(String jobId, List<JobRecord> history) { return Future.succeededFuture(); }
  };
}
