package io.shardline.perf.e2e;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * The raw TCP ceiling: {@code iperf3 -c ADDR -t T -O 1 -J} against an {@code iperf3 -s} server,
 * one stream, memory to memory, as in {@code ../shared/bench/run-all.sh}. MB/s comes from iperf3's
 * own receiver total; CPU per GB scales the measured CPU by that rate over the whole wall time
 * (the omitted first second included).
 */
final class IperfTool implements Tool {
  private final Env env;
  private final int seconds;
  private Net net;
  private Managed server;
  private int port;

  IperfTool(Env env, int seconds) {
    this.env = env;
    this.seconds = seconds;
  }

  @Override
  public String id() {
    return "iperf3";
  }

  @Override
  public String missing() {
    return Tool.missingOf("iperf3");
  }

  @Override
  public String config() {
    return "`iperf3 -s -B ADDR` and `iperf3 -c ADDR -t " + seconds + " -O 1 -J` (1 TCP stream, memory to memory)";
  }

  @Override
  public void start(Net n) throws Exception {
    this.net = n;
    port = Env.freePort();
    server = Managed.start("iperf3-" + n.id(), n.server(List.of("iperf3", "-s", "-B", n.serverAddr(), "-p",
        Integer.toString(port))), env.logs(), Env.CHILD_ENV);
    Ports.await(n, port, server, "iperf3");
  }

  @Override
  public List<Case> cases(Profile profile, DataSet set) {
    return List.of(new Case(id(), "iperf3", "iperf3 TCP ceiling (memory to memory)", 0, "-"));
  }

  @Override
  public Invocation invocation(Case c, DataSet set, Path dest) {
    return new Invocation(net.client(List.of("iperf3", "-c", net.serverAddr(), "-p", Integer.toString(port), "-t",
        Integer.toString(seconds), "-O", "1", "-J")), false, (out, total, wall) -> {
          JsonObject sum = new JsonObject(out).getJsonObject("end").getJsonObject("sum_received");
          double rate = sum.getDouble("bytes") / sum.getDouble("seconds");
          // bytes at that rate over the whole wall time, so CPU per GB covers the omitted second too
          return new Invocation.Parsed((long) (rate * wall), wall, (long) (rate * wall), Double.NaN, "");
        });
  }

  @Override
  public List<Managed> servers() {
    return server == null ? List.of() : List.of(server);
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
