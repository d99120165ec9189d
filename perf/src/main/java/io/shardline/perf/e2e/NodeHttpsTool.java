package io.shardline.perf.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's HTTPS front against nginx, both pulled by the same {@link CurlClient} command line:
 * one {@code shardline serve --root VIEWS --listen ADDR:0 --https-listen ADDR:PORT --token-file F
 * --state-dir FRESH} per scenario, serving the views root nginx serves (the same URLs, {@code
 * /SET/FILE}), with its self-signed certificate (curl {@code -k}, as for nginx) and its token sent
 * as {@code Authorization: Bearer} from curl's config file. Cases: curl into the destination and
 * curl to {@code /dev/null}, the baselines being nginx's cases of the same names. The node is
 * long-running and not warmed up: run 1 of the scenario's first set meets a cold JIT (the report
 * gives run 1 apart from the median of the later runs), and every run notes how many bytes the
 * node had been asked for before it. Each set is read once before its runs, so the page cache is
 * warm for the first one too. The HTTPS port is picked here rather than with {@code :0}: with
 * both listeners on port 0, serve (git 0b12daf) listens on one port, prints it on both lines, and
 * answers it in the shardline protocol.
 */
final class NodeHttpsTool implements Tool {
  private static final Pattern HTTPS = Pattern.compile("https on (\\S+):(\\d+)");

  private final Env env;
  private final Path docRoot;
  private Net net;
  private Managed server;
  private int port;
  private String token;
  private long served;

  NodeHttpsTool(Env env, Path docRoot) {
    this.env = env;
    this.docRoot = docRoot;
  }

  @Override
  public String id() {
    return "node-https";
  }

  @Override
  public String missing() {
    return Tool.missingOf("curl"); // the launcher is checked by BenchMain before anything runs
  }

  @Override
  public String config() {
    return "`shardline serve --root VIEWS --listen ADDR:0 --https-listen ADDR:PORT --token-file F --state-dir FRESH` "
        + "(its HTTPS front: HTTP/1.1, TLS 1.3, self-signed cert; one process per scenario, no warm-up), pulled by "
        + CurlClient.describe() + " plus `header = \"Authorization: Bearer TOKEN\"` in LIST, into DEST and to /dev/null";
  }

  @Override
  public void start(Net n) throws Exception {
    this.net = n;
    served = 0;
    Path state = env.work().resolve("state-node-https-" + n.id());
    DataSets.deleteTree(state);
    Files.createDirectories(state);
    Path tokenFile = state.resolveSibling("node-https-" + n.id() + ".token");
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    token = HexFormat.of().formatHex(secret);
    Files.deleteIfExists(tokenFile);
    Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tokenFile, token + "\n");
    port = Env.freePort();
    server = Managed.start("node-https-" + n.id(), n.server(ShardlineTool.concat(env.shardline(), List.of("serve",
        "--root", docRoot.toString(), "--listen", n.serverAddr() + ":0", "--https-listen", n.serverAddr() + ":" + port,
        "--token-file", tokenFile.toString(), "--state-dir", state.toString()))), env.logs(), Env.CHILD_ENV);
    long deadline = System.nanoTime() + 90_000_000_000L;
    Matcher m = null;
    while (System.nanoTime() < deadline && server.process.isAlive()) {
      m = HTTPS.matcher(server.output());
      if (m.find()) {
        break;
      }
      m = null;
      Thread.sleep(100);
    }
    if (m == null || Integer.parseInt(m.group(2)) != port) {
      String why = m == null ? server.output() + server.errors() : "it reports " + m.group() + ", not port " + port;
      close();
      throw new IllegalStateException("shardline serve --https-listen did not report 'https on': " + ShardlineTool.tail(why));
    }
  }

  /** Reads every file of the set once: the page cache is warm before the node's first run. */
  @Override
  public void beginSet(DataSet set) throws IOException {
    byte[] buf = new byte[1 << 20];
    for (String r : set.files()) {
      try (InputStream in = Files.newInputStream(set.root().resolve(r))) {
        while (in.read(buf) >= 0) {
          // discard
        }
      }
    }
  }

  @Override
  public List<Case> cases(Profile profile, DataSet set) {
    return List.of(new Case(id(), "node-curl", "node HTTPS → curl", 0, "-"),
        new Case(id(), "node-curl-devnull", "node HTTPS → curl → /dev/null", 0, "-"));
  }

  @Override
  public Invocation invocation(Case c, DataSet set, Path dest) throws Exception {
    String base = "https://" + net.serverAddr() + ":" + port + "/" + set.id() + "/";
    Invocation curl = CurlClient.invocation(net, base, set, c.id().endsWith("-devnull") ? null : dest,
        "Authorization: Bearer " + token, env.work().resolve(c.id() + "-" + set.id() + ".cfg"));
    long before = served;
    served += set.bytes();
    return new Invocation(curl.argv(), curl.verify(), (out, total, wall) -> {
      Invocation.Parsed p = curl.parser().parse(out, total, wall);
      return new Invocation.Parsed(p.bytes(), p.seconds(), p.wireBytes(), p.innerSeconds(),
          p.note() + String.format(Locale.ROOT, "; node asked for %.2f GB before this run", before / 1e9));
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
