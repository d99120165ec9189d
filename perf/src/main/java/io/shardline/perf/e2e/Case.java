package io.shardline.perf.e2e;

/**
 * One thing measured per data set: a tool in one configuration.
 *
 * @param tool the tool's id (shardline, nginx, rsync, pipeline, iperf3)
 * @param id the case's id in results (e.g. {@code shardline-l4-auto}, {@code aria2c-x4})
 * @param label the row label in tables and charts
 * @param lanes Shardline lanes (0 for peers)
 * @param compression Shardline compression mode ({@code -} for peers)
 */
record Case(String tool, String id, String label, int lanes, String compression) {
  boolean shardline() {
    return lanes > 0;
  }
}
