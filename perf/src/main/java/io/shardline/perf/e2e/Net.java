package io.shardline.perf.e2e;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where servers and clients run. {@link #loopback()} is 127.0.0.1 in the current namespace. {@link
 * #link} builds an emulated data-center link: two network namespaces joined by a veth pair with
 * addresses from 10.203.0.0/30 (used only inside those namespaces) and a {@code tc tbf} qdisc at
 * the given rate on both ends. Needs root; {@link #link} throws {@link Unavailable} with the reason
 * when namespaces cannot be made.
 *
 * @param id scenario id (loopback, link-1gbit, ...)
 * @param description one sentence for the report
 * @param serverAddr the address servers listen on and clients dial
 * @param clientAddr the client's address (the zstd|TLS pipeline's receiver listens here)
 * @param serverPrefix argv prefix that runs a command on the server side
 * @param clientPrefix argv prefix that runs a command on the client side
 */
record Net(String id, String description, String serverAddr, String clientAddr, List<String> serverPrefix,
    List<String> clientPrefix, List<String> namespaces) implements AutoCloseable {

  static final String SERVER_NS = "slbench-srv";
  static final String CLIENT_NS = "slbench-cli";

  static Net loopback() {
    return new Net("loopback", "127.0.0.1 on this machine (no shaping)", "127.0.0.1", "127.0.0.1",
        List.of(), List.of(), List.of());
  }

  /** Thrown when an emulated link cannot be set up here (not root, no netns, no tc). */
  static final class Unavailable extends Exception {
    Unavailable(String msg) {
      super(msg);
    }
  }

  static Net link(String rate) throws Unavailable, InterruptedException {
    if (!rate.matches("\\d+(mbit|gbit)")) {
      throw new IllegalArgumentException("rate must look like 1gbit or 800mbit: " + rate);
    }
    cleanup();
    String s = SERVER_NS;
    String c = CLIENT_NS;
    // burst: enough for one timer tick at the rate (10 Gbit/s at 1 ms = 1.25 MB); limit: 4x burst.
    String burst = rate.endsWith("gbit") ? Math.max(1, Long.parseLong(rate.replace("gbit", ""))) * 256 + "kb" : "256kb";
    String limit = rate.endsWith("gbit") ? Math.max(1, Long.parseLong(rate.replace("gbit", ""))) * 1024 + "kb" : "1024kb";
    List<List<String>> steps = List.of(
        List.of("ip", "netns", "add", s),
        List.of("ip", "netns", "add", c),
        List.of("ip", "link", "add", "slb0", "netns", s, "type", "veth", "peer", "name", "slb1", "netns", c),
        List.of("ip", "-n", s, "addr", "add", "10.203.0.1/30", "dev", "slb0"),
        List.of("ip", "-n", c, "addr", "add", "10.203.0.2/30", "dev", "slb1"),
        List.of("ip", "-n", s, "link", "set", "lo", "up"),
        List.of("ip", "-n", c, "link", "set", "lo", "up"),
        List.of("ip", "-n", s, "link", "set", "slb0", "up"),
        List.of("ip", "-n", c, "link", "set", "slb1", "up"),
        List.of("ip", "netns", "exec", s, "tc", "qdisc", "add", "dev", "slb0", "root", "tbf", "rate", rate,
            "burst", burst, "limit", limit),
        List.of("ip", "netns", "exec", c, "tc", "qdisc", "add", "dev", "slb1", "root", "tbf", "rate", rate,
            "burst", burst, "limit", limit));
    for (List<String> step : steps) {
      String err = run(step);
      if (err != null) {
        cleanup();
        throw new Unavailable(String.join(" ", step) + " failed: " + err);
      }
    }
    return new Net("link-" + rate, "veth pair between two network namespaces, tc tbf " + rate
        + " (burst " + burst + ", limit " + limit + ") on both ends, 10.203.0.1 (server) / 10.203.0.2 (client)",
        "10.203.0.1", "10.203.0.2", List.of("ip", "netns", "exec", s), List.of("ip", "netns", "exec", c),
        List.of(s, c));
  }

  List<String> server(List<String> argv) {
    List<String> a = new ArrayList<>(serverPrefix);
    a.addAll(argv);
    return a;
  }

  List<String> client(List<String> argv) {
    List<String> a = new ArrayList<>(clientPrefix);
    a.addAll(argv);
    return a;
  }

  /** Shell prefix (for commands built as one bash string). */
  String serverShell() {
    return String.join(" ", serverPrefix);
  }

  String clientShell() {
    return String.join(" ", clientPrefix);
  }

  @Override
  public void close() {
    if (!namespaces.isEmpty()) {
      try {
        cleanup();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Deletes our namespaces if a previous run left them (the veth pair goes with them). */
  private static void cleanup() throws InterruptedException {
    run(List.of("ip", "netns", "del", SERVER_NS));
    run(List.of("ip", "netns", "del", CLIENT_NS));
  }

  /** Runs a short command; returns null on success, else its error output. */
  static String run(List<String> argv) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return p.exitValue() == 0 ? null : (out.isEmpty() ? "exit " + p.exitValue() : out);
    } catch (IOException e) {
      return e.getMessage();
    }
  }
}
