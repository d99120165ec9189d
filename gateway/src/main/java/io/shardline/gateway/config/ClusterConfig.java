package io.shardline.gateway.config;

import io.shardline.engine.cli.HostPort;
import java.nio.file.Path;
import java.util.List;

/**
 * The config's {@code cluster} block: this gateway's member name, the address its cluster
 * member binds and is reached at, and every member's address (TCP-IP join, one by one; no
 * multicast). Without the block the gateway runs alone.
 *
 * @param node unique in the cluster (another member with the same name is refused at start)
 * @param members every member's {@code HOST:PORT} (this one's may be listed too)
 * @param apiCa the PEM certificates that members' HTTPS APIs are checked against when a request
 *     is forwarded to them, or null: this gateway's own {@code tls.cert} (members that share one
 *     certificate or one CA-less identity)
 */
public record ClusterConfig(String node, String host, int port, List<HostPort> members, Path apiCa) {
  /** The cluster port when the block gives none (Hazelcast's own default). */
  public static final int DEFAULT_PORT = 5701;

  public ClusterConfig {
    members = List.copyOf(members);
  }

  public ClusterConfig(String node, String host, int port, List<HostPort> members) {
    this(node, host, port, members, null);
  }
}
