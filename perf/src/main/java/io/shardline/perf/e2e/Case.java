package io.shardline.perf.e2e;

/**
 * One thing measured per data set: a tool in one configuration.
 *
 * @param tool the tool's id (shardline, nginx, node-https, pull-https, rsync, pipeline, iperf3)
 * @param id the case's id in results (e.g. {@code shardline-l4-auto}, {@code aria2c-x4})
 * @param label the row label in tables and charts
 * @param lanes Shardline lanes (0 for peers; {@link HttpsPullTool}'s for Shardline's HTTPS client)
 * @param compression Shardline compression mode ({@code -} for peers)
 * @param rateLimit Shardline's {@code --rate-limit} (null: unlimited, and for peers)
 */
record Case(String tool, String id, String label, int lanes, String compression, String rateLimit) {
  Case(String tool, String id, String label, int lanes, String compression) {
    this(tool, id, label, lanes, compression, null);
  }

  /** A {@link ShardlineTool} case: a pull over the shardline protocol, the rows compared with the peers. */
  boolean shardline() {
    return tool.equals("shardline");
  }

  /** A Shardline case's id: {@code shardline-l4-auto}, or {@code shardline-l4-auto-1gbit} when rate-limited. */
  static Case shardline(int lanes, String compression, String rateLimit) {
    String id = "shardline-l" + lanes + "-" + compression + (rateLimit == null ? "" : "-" + rateLimit);
    String label = "Shardline " + lanes + " lane" + (lanes == 1 ? "" : "s") + ", " + compression
        + (rateLimit == null ? "" : ", --rate-limit " + rateLimit);
    return new Case("shardline", id, label, lanes, compression, rateLimit);
  }
}
