package io.shardline.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.engine.cli.HostPort;
import io.shardline.gateway.config.ClusterConfig;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The addresses a member uses in a cluster: the TCP-IP join resolves listed host names to
 * addresses (an IP literal stays as it is, a name that does not resolve yet is kept for
 * Hazelcast to resolve later), and a member whose API listens on every interface advertises its
 * cluster host instead.
 */
@Timeout(30)
class JoinAddressTest {
  @Test
  void anIpLiteralIsKeptAsItIs() {
    assertEquals("10.89.0.7", GatewayCluster.joinAddress("10.89.0.7"));
    assertEquals("127.0.0.1", GatewayCluster.joinAddress("127.0.0.1"));
    assertEquals("::1", GatewayCluster.joinAddress("::1"), "not rewritten as 0:0:0:0:0:0:0:1");
  }

  @Test
  void aResolvableNameBecomesItsAddress() throws Exception {
    assertEquals(InetAddress.getByName("localhost").getHostAddress(), GatewayCluster.joinAddress("localhost"));
  }

  @Test
  void aNameThatDoesNotResolveIsKept() {
    // .invalid never resolves (RFC 6761): a member whose container has not started yet
    assertEquals("gw-z.invalid", GatewayCluster.joinAddress("gw-z.invalid"));
  }

  @Test
  void theJoinListsMembersByAddressAndTheMemberAdvertisesItsOwn() throws Exception {
    String local = InetAddress.getByName("localhost").getHostAddress();
    ClusterConfig c = new ClusterConfig("gw-a", "localhost", 15801, List.of(new HostPort("localhost", 15801),
        new HostPort("127.0.0.1", 15802), new HostPort("gw-z.invalid", 15803)));
    var hz = GatewayCluster.hazelcast(c);
    String bracketed = local.contains(":") ? "[" + local + "]" : local;
    assertEquals(List.of(bracketed + ":15801", "127.0.0.1:15802", "gw-z.invalid:15803"),
        hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    assertEquals(bracketed + ":15801", hz.getNetworkConfig().getPublicAddress());
  }

  @Test
  void aMemberListeningOnEveryInterfaceAdvertisesItsClusterHost() {
    assertEquals("gw-a", GatewayCluster.apiHost("0.0.0.0", "gw-a"));
    assertEquals("gw-a", GatewayCluster.apiHost("::", "gw-a"));
    assertEquals("10.0.0.5", GatewayCluster.apiHost("10.0.0.5", "gw-a"), "a given host is where it is reached");
    assertEquals("0.0.0.0", GatewayCluster.apiHost("0.0.0.0", null), "alone: nothing better to say");
  }
}
