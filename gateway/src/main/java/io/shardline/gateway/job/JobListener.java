package io.shardline.gateway.job;

/** Told of every event applied to a job (on the gateway's context). */
@FunctionalInterface
public interface JobListener {
  void onEvent(Job job, JobRecord event);
}
