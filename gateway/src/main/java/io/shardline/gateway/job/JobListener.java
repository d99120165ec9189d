package io.shardline.gateway.job;

import io.shardline.gateway.journal.JournalRecord;

/** Told of every event applied to a job (on the gateway's context). */
@FunctionalInterface
public interface JobListener {
  void onEvent(Job job, JournalRecord event);
}
