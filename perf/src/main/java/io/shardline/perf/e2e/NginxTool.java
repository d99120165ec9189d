package io.shardline.perf.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * nginx over HTTPS, configured as in {@code ../shared/bench/run-all.sh} (2 workers, sendfile,
 * tcp_nopush, TLS 1.3 only, self-signed P-256 certificate; keepalive_requests raised so the
 * 10,000-URL list never reconnects), pulled by {@link CurlClient}'s curl (one process, one reused
 * connection, files in order; with the node comparison on, also to {@code /dev/null}) and by
 * {@code aria2c -x4 -s4} (4 connections per file; for files under aria2c's 20 MiB minimum split,
 * {@code -j4}: 4 files at a time). {@link HttpsPullTool} pulls from the same nginx. Workers run as
 * the current user, so data under a private temporary directory stays readable.
 */
final class NginxTool implements Tool {
  private final Env env;
  private final Path docRoot;
  private final boolean devNull;
  private Net net;
  private Managed nginx;
  private int port;

  /** @param devNull also run curl to {@code /dev/null} (the baseline of {@link NodeHttpsTool}'s case of that name) */
  NginxTool(Env env, Path docRoot, boolean devNull) {
    this.env = env;
    this.docRoot = docRoot;
    this.devNull = devNull;
  }

  @Override
  public String id() {
    return "nginx";
  }

  @Override
  public String missing() {
    String m = Tool.missingOf("nginx");
    if (m == null && !Tool.installed("curl") && !Tool.installed("aria2c")) {
      m = "not installed: curl and aria2c";
    }
    return m;
  }

  @Override
  public String config() {
    return versions() + "; nginx (worker_processes 2, sendfile on, tcp_nopush on, TLSv1.3 only, P-256 self-signed, access_log off); "
        + CurlClient.describe() + (devNull ? ", into DEST and to /dev/null" : "") + "; "
        + "`aria2c -q -x4 -s4 -j1|-j4 --file-allocation=none --check-certificate=false -i LIST` "
        + "(-j4 when files are under aria2c's 20 MiB minimum split)";
  }

  @Override
  public void start(Net n) throws Exception {
    this.net = n;
    port = Env.freePort();
    Path d = env.work().resolve("nginx-" + n.id());
    Files.createDirectories(d.resolve("tmp"));
    Files.writeString(d.resolve("nginx.conf"), """
        user %7$s;
        worker_processes 2;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 512; }
        http {
          access_log off;
          sendfile on; tcp_nopush on; keepalive_requests 100000;
          default_type application/octet-stream;
          client_body_temp_path %1$s/tmp/body; proxy_temp_path %1$s/tmp/proxy; fastcgi_temp_path %1$s/tmp/fcgi;
          uwsgi_temp_path %1$s/tmp/uwsgi; scgi_temp_path %1$s/tmp/scgi;
          server {
            listen %2$s:%3$d ssl; root %4$s;
            ssl_certificate %5$s; ssl_certificate_key %6$s;
            ssl_protocols TLSv1.3;
          }
        }
        """.formatted(d, n.serverAddr(), port, docRoot, env.cert(), env.key(), System.getProperty("user.name")));
    nginx = Managed.start("nginx-" + n.id(), n.server(List.of("nginx", "-p", d.toString(), "-c",
        d.resolve("nginx.conf").toString(), "-e", d.resolve("error.log").toString(), "-g", "daemon off;")),
        env.logs(), Env.CHILD_ENV);
    Ports.await(n, port, nginx, "nginx");
  }

  @Override
  public List<Case> cases(Profile profile, DataSet set) {
    List<Case> out = new ArrayList<>();
    if (Tool.installed("curl")) {
      out.add(new Case(id(), "curl", "nginx HTTPS → curl", 0, "-"));
      if (devNull) {
        out.add(new Case(id(), "curl-devnull", "nginx HTTPS → curl → /dev/null", 0, "-"));
      }
    }
    if (Tool.installed("aria2c")) {
      out.add(new Case(id(), "aria2c-x4", "nginx HTTPS → aria2c -x4 -s4", 0, "-"));
    }
    return out;
  }

  /** The set's URL on this nginx, ending in {@code /}; nginx must be running. */
  String url(DataSet set) {
    if (nginx == null) {
      throw new IllegalStateException("nginx is not running (add nginx to --tools)");
    }
    return "https://" + net.serverAddr() + ":" + port + "/" + set.id() + "/";
  }

  @Override
  public Invocation invocation(Case c, DataSet set, Path dest) throws Exception {
    String base = url(set);
    if (c.id().startsWith("curl")) {
      boolean toNull = c.id().equals("curl-devnull");
      return CurlClient.invocation(net, base, set, toNull ? null : dest, null,
          env.work().resolve(c.id() + "-" + set.id() + ".cfg"));
    }
    StringBuilder list = new StringBuilder();
    for (String r : set.files()) {
      Path t = dest.resolve(r);
      list.append(base).append(r).append("\n  dir=").append(t.getParent()).append("\n  out=")
          .append(t.getFileName()).append('\n');
    }
    Path f = env.work().resolve("aria2-" + set.id() + ".txt");
    Files.writeString(f, list);
    boolean small = set.bytes() / set.files().size() < (20L << 20);
    return new Invocation(net.client(List.of("aria2c", "-q", "-x4", "-s4", small ? "-j4" : "-j1",
        "--file-allocation=none", "--allow-overwrite=true", "--auto-file-renaming=false", "--console-log-level=error",
        "--summary-interval=0", "--check-certificate=false", "-i", f.toString())), true, Invocation.PLAIN);
  }

  /** "nginx/1.22.1, curl 7.88.1, aria2 1.36.0": the first line of each tool's version output. */
  private static String versions() {
    List<String> v = new ArrayList<>();
    v.add(Tool.version(List.of("nginx", "-v")));
    if (Tool.installed("curl")) {
      v.add(Tool.version(List.of("curl", "--version")));
    }
    if (Tool.installed("aria2c")) {
      v.add(Tool.version(List.of("aria2c", "--version")));
    }
    return String.join(", ", v);
  }

  @Override
  public List<Managed> servers() {
    return nginx == null ? List.of() : List.of(nginx);
  }

  @Override
  public void close() {
    if (nginx != null) {
      nginx.close();
      nginx = null;
    }
  }
}
