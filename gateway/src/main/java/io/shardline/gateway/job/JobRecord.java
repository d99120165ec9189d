package io.shardline.gateway.job;

/**
 * One entry of a job's history: the {@code seq}-th event of the journal, made at {@code time}
 * (epoch millis) by {@code actor} to job {@code jobId}. What {@link JobTable#apply} folds in and
 * {@link JobListener}s hear; {@link JobEventJson} converts it to and from the journal's
 * {@link io.shardline.gateway.journal.JournalRecord}.
 */
public record JobRecord(long seq, long time, String jobId, String actor, JobEvent event) {
  public JobRecord {
    if (jobId == null || actor == null || event == null) {
      throw new IllegalArgumentException("a job record needs a job id, an actor and an event (seq " + seq + ")");
    }
  }
}
