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
 * @param leaseMillis how long a member's lease on a job lasts unless renewed (every third of it):
 *     a member dead or frozen for longer loses its running jobs to another member
 */
public record ClusterConfig(String node, String host, int port, List<HostPort> members, Path apiCa, int leaseMillis) {
  /** The cluster port when the block gives none (Hazelcast's own default). */
  public static final int DEFAULT_PORT = 5701;
  /** A job's lease when the block gives none. */
  public static final int DEFAULT_LEASE_MS = 10_000;

  public ClusterConfig {
    members = List.copyOf(members);
  }

  public ClusterConfig(String node, String host, int port, List<HostPort> members) {
    this(node, host, port, members, null, DEFAULT_LEASE_MS);
  }

  public ClusterConfig(String node, String host, int port, List<HostPort> members, Path apiCa) {
    this(node, host, port, members, apiCa, DEFAULT_LEASE_MS);
  }

  /**
   * The fewest members a member must see to take a job over or change one (a majority of the
   * members listed, this one counted): a member cut off from the rest, or frozen and woken up
   * after the others removed it, can then change nothing on its own.
   */
  public int quorum() {
    long others = members.stream().filter(m -> !(m.host().equals(host) && m.port() == port)).count();
    return (int) ((others + 1) / 2 + 1);
  }
}
