package io.shardline.perf.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The do-it-yourself pipeline of {@code ../shared/bench/run-all.sh} ("socat-zstd-tls"): {@code tar
 * -c | zstd -1 -T2 | socat ... OPENSSL} on the server side into {@code socat OPENSSL-LISTEN | zstd
 * -d | tar -x} on the client side: zstd compression and TLS 1.3 through OpenSSL. The whole
 * pipeline is the client command (both ends are started per run), so all its CPU is counted as
 * client CPU; the bytes between zstd and socat are counted for the wire ratio.
 */
final class PipelineTool implements Tool {
  private final Env env;
  private Net net;

  PipelineTool(Env env) {
    this.env = env;
  }

  @Override
  public String id() {
    return "pipeline";
  }

  @Override
  public String missing() {
    return Tool.missingOf("tar", "zstd", "socat", "wc", "tee");
  }

  @Override
  public String config() {
    return "`tar -c -C SET . | zstd -1 -T2 -q -c | socat -u -b131072 STDIN OPENSSL:CLIENT:PORT,verify=0` into "
        + "`socat -u -b131072 OPENSSL-LISTEN:PORT,cert=..,key=..,verify=0 STDOUT | zstd -d -q -c | tar -x -C DEST` "
        + "(TLS 1.3 by OpenSSL in socat; both ends started per run)";
  }

  @Override
  public void start(Net n) {
    this.net = n;
  }

  @Override
  public List<Case> cases(Profile profile, DataSet set) {
    return List.of(new Case(id(), "zstd-tls-pipeline", "tar | zstd -1 | TLS (socat)", 0, "-"));
  }

  @Override
  public Invocation invocation(Case c, DataSet set, Path dest) throws Exception {
    int port = Env.freePort();
    Path wire = env.work().resolve("pipeline-wire-bytes");
    Files.deleteIfExists(wire);
    String tls = "cert=" + env.cert() + ",key=" + env.key() + ",verify=0";
    String script = String.join("\n",
        "set -o pipefail",
        "( " + net.clientShell() + " socat -u -b131072 OPENSSL-LISTEN:" + port + ",bind=" + net.clientAddr()
            + ",reuseaddr," + tls + " STDOUT | zstd -d -q -c | tar -x -C '" + dest + "' ) & r=$!",
        net.serverShell() + " bash -c \"set -o pipefail; tar -c -C '" + set.root() + "' . | zstd -1 -T2 -q -c"
            + " | tee >(wc -c > '" + wire + "') | socat -u -b131072 STDIN OPENSSL:" + net.clientAddr() + ":" + port
            + ",verify=0,retry=200,interval=0.05\" || { kill $r; exit 3; }",
        "wait $r");
    return new Invocation(List.of("bash", "-c", script), true, (out, total, wall) -> {
      long w = -1;
      for (int i = 0; i < 40 && w < 0; i++) {
        String s = Files.exists(wire) ? Files.readString(wire).trim() : "";
        if (!s.isEmpty()) {
          w = Long.parseLong(s);
        } else {
          Thread.sleep(50);
        }
      }
      return new Invocation.Parsed(total, wall, w, Double.NaN, "");
    });
  }

  @Override
  public List<Managed> servers() {
    return List.of();
  }

  @Override
  public void close() {}
}
