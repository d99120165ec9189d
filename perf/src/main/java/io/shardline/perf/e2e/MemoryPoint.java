package io.shardline.perf.e2e;

/**
 * One memory-flatness pull: a sparse file of {@code mib} MiB pulled with 4 lanes, no compression.
 *
 * @param mib size pulled
 * @param run the measured run (peak client and server RSS)
 */
record MemoryPoint(long mib, RunResult run) {}
