package io.shardline.gateway.config;

import io.shardline.engine.cli.HostPort;
import io.shardline.engine.tls.Fingerprint;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.ShardlineUrl;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The gateway's configuration file (JSON, or YAML for {@code .yaml}/{@code .yml} files), checked as
 * a whole when loaded: unknown keys, missing files and bad values are errors naming the key.
 * Relative paths are resolved against the file's folder.
 */
public record GatewayConfig(HostPort listen, Path dataDir, Map<String, Remote> remotes, Map<String, Path> destinations,
    List<ApiToken> tokens, int maxRunningJobs, int maxBodyBytes, int snapshotEvery, Path tlsCert, Path tlsKey,
    int idleTimeoutSeconds, int headerTimeoutSeconds, int maxConnections, ClusterConfig cluster,
    Map<String, Store> stores, Map<String, Store> remoteStores) {

  /** Without object-store or HDFS destinations. */
  public GatewayConfig(HostPort listen, Path dataDir, Map<String, Remote> remotes, Map<String, Path> destinations,
      List<ApiToken> tokens, int maxRunningJobs, int maxBodyBytes, int snapshotEvery, Path tlsCert, Path tlsKey,
      int idleTimeoutSeconds, int headerTimeoutSeconds, int maxConnections, ClusterConfig cluster) {
    this(listen, dataDir, remotes, destinations, tokens, maxRunningJobs, maxBodyBytes, snapshotEvery, tlsCert, tlsKey,
        idleTimeoutSeconds, headerTimeoutSeconds, maxConnections, cluster, Map.of(), Map.of());
  }

  /** Every remote's name: nodes, HTTPS servers and stores. */
  public java.util.SortedSet<String> remoteNames() {
    java.util.SortedSet<String> all = new java.util.TreeSet<>(remotes.keySet());
    all.addAll(remoteStores.keySet());
    return all;
  }

  /** Every destination's name: local folders and stores. */
  public java.util.SortedSet<String> destinationNames() {
    java.util.SortedSet<String> all = new java.util.TreeSet<>(destinations.keySet());
    all.addAll(stores.keySet());
    return all;
  }

  /** A gateway that runs alone (no {@code cluster} block). */
  public GatewayConfig(HostPort listen, Path dataDir, Map<String, Remote> remotes, Map<String, Path> destinations,
      List<ApiToken> tokens, int maxRunningJobs, int maxBodyBytes, int snapshotEvery, Path tlsCert, Path tlsKey,
      int idleTimeoutSeconds, int headerTimeoutSeconds, int maxConnections) {
    this(listen, dataDir, remotes, destinations, tokens, maxRunningJobs, maxBodyBytes, snapshotEvery, tlsCert, tlsKey,
        idleTimeoutSeconds, headerTimeoutSeconds, maxConnections, null);
  }

  public static final int DEFAULT_MAX_RUNNING_JOBS = 2;
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
  public static final int DEFAULT_SNAPSHOT_EVERY = 1000;
  /** Seconds a connection may send and receive nothing before it is closed. */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
  /** Seconds a connection has to send a request's head (line and headers), from its start or the last response. */
  public static final int DEFAULT_HEADER_TIMEOUT_SECONDS = 10;
  /** Open HTTP connections at most; more are closed as they arrive (well under a 1,024-descriptor limit). */
  public static final int DEFAULT_MAX_CONNECTIONS = 512;
  /** Names of remotes and destinations: what a job can write before the colon. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Set<String> KEYS = Set.of("listen", "dataDir", "remotes", "destinations", "tokens",
      "maxRunningJobs", "maxBodyBytes", "snapshotEvery", "tls", "idleTimeoutSeconds", "headerTimeoutSeconds",
      "maxConnections", "cluster");
  private static final Set<String> REMOTE_KEYS = Set.of("url", "trust", "tokenFile", "clientCert", "clientKey",
      "headersFile", "pushTokenFile");

  public static GatewayConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read the config file " + file + ": " + e.getMessage(), e);
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    JsonObject json = name.endsWith(".yaml") || name.endsWith(".yml") ? yaml(text, file) : json(text, file);
    Path base = file.toAbsolutePath().getParent();
    return parse(json, base);
  }

  private static JsonObject json(String text, Path file) {
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException(file + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static JsonObject yaml(String text, Path file) {
    try {
      Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
      if (!(o instanceof Map)) {
        throw new ConfigException(file + ": the top level must be a mapping");
      }
      return new JsonObject((Map<String, Object>) o);
    } catch (org.yaml.snakeyaml.error.YAMLException e) {
      throw new ConfigException(file + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  /** Checks and converts a parsed config; {@code base} resolves relative paths. */
  public static GatewayConfig parse(JsonObject c, Path base) {
    unknownKeys(c, KEYS, "");
    HostPort listen = HostPort.parse(string(c, "listen", "127.0.0.1:8080"));
    Path dataDir = path(base, required(c, "dataDir"));
    Map<String, Remote> remotes = new LinkedHashMap<>();
    Map<String, Store> remoteStores = new LinkedHashMap<>();
    JsonObject rs = object(c, "remotes");
    for (String n : rs.fieldNames()) {
      checkName(n, "remotes");
      JsonObject r = objectValue(rs.getValue(n), "remotes." + n);
      if (!r.containsKey("url") && (r.containsKey("s3") || r.containsKey("hdfs"))) {
        remoteStores.put(n, store("remotes." + n, n, r));
      } else {
        remotes.put(n, remote(n, r, base));
      }
    }
    Map<String, Path> dests = new LinkedHashMap<>();
    Map<String, Store> stores = new LinkedHashMap<>();
    JsonObject ds = object(c, "destinations");
    for (String n : ds.fieldNames()) {
      checkName(n, "destinations");
      if (ds.getValue(n) instanceof JsonObject store) {
        stores.put(n, store("destinations." + n, n, store));
        continue;
      }
      if (!(ds.getValue(n) instanceof String s) || s.isBlank()) {
        throw new ConfigException("destinations." + n + " must be a folder path, {\"s3\": \"s3://BUCKET/PREFIX\"}"
            + " or {\"hdfs\": \"hdfs://NAMENODE:PORT/PATH\"}");
      }
      dests.put(n, path(base, s).normalize());
    }
    List<ApiToken> tokens = tokens(c);
    int maxRunning = integer(c, "maxRunningJobs", DEFAULT_MAX_RUNNING_JOBS, 1, 64);
    int maxBody = integer(c, "maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1024, 16 * 1024 * 1024);
    int snapshotEvery = integer(c, "snapshotEvery", DEFAULT_SNAPSHOT_EVERY, 1, 10_000_000);
    int idle = integer(c, "idleTimeoutSeconds", DEFAULT_IDLE_TIMEOUT_SECONDS, 1, 3600);
    int header = integer(c, "headerTimeoutSeconds", DEFAULT_HEADER_TIMEOUT_SECONDS, 1, 600);
    int maxConnections = integer(c, "maxConnections", DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
    Path cert = null;
    Path key = null;
    if (c.containsKey("tls")) {
      JsonObject tls = objectValue(c.getValue("tls"), "tls");
      unknownKeys(tls, Set.of("cert", "key"), "tls.");
      cert = existing(path(base, required(tls, "cert")), "tls.cert");
      key = existing(path(base, required(tls, "key")), "tls.key");
    }
    ClusterConfig cluster = c.containsKey("cluster") ? cluster(objectValue(c.getValue("cluster"), "cluster"), base) : null;
    return new GatewayConfig(listen, dataDir, Map.copyOf(remotes), Map.copyOf(dests), List.copyOf(tokens), maxRunning,
        maxBody, snapshotEvery, cert, key, idle, header, maxConnections, cluster, Map.copyOf(stores),
        Map.copyOf(remoteStores));
  }

  /**
   * An S3 or HDFS store (a destination or a remote): {@code {"s3": "s3://BUCKET/PREFIX", "endpoint": URL, "region": R}}
   * or {@code {"hdfs": "hdfs://NAMENODE:PORT/PATH"}}. No credentials here: keys that look like
   * them are refused, so a secret never sits in the config.
   */
  private static Store store(String where, String name, JsonObject d) {
    for (String k : d.fieldNames()) {
      if (k.toLowerCase(java.util.Locale.ROOT).matches(".*(secret|key|password|token|credential).*")) {
        throw new ConfigException(where + "." + k + ": credentials never go in the config; S3 takes them from the"
            + " gateway's environment or ~/.aws/credentials, HDFS from HADOOP_CONF_DIR");
      }
    }
    unknownKeys(d, Set.of("s3", "hdfs", "endpoint", "region"), where + ".");
    if (d.containsKey("s3") == d.containsKey("hdfs")) {
      throw new ConfigException(where + " must have one of s3 or hdfs");
    }
    String location = d.containsKey("s3") ? string(d, "s3", null) : string(d, "hdfs", null);
    return Store.of(where, name, location, string(d, "endpoint", null), string(d, "region", null));
  }

  private static ClusterConfig cluster(JsonObject c, Path base) {
    unknownKeys(c, Set.of("node", "host", "port", "members", "apiCa", "leaseMillis"), "cluster.");
    String node = required(c, "node", "cluster");
    checkName(node, "cluster.node");
    String host = string(c, "host", "127.0.0.1");
    int port = integer(c, "port", ClusterConfig.DEFAULT_PORT, 1, 65535);
    Object m = c.getValue("members");
    if (!(m instanceof JsonArray a) || a.isEmpty()) {
      throw new ConfigException("cluster.members must list every member's \"HOST:PORT\", one by one");
    }
    List<HostPort> members = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s) || s.isBlank()) {
        throw new ConfigException("cluster.members[" + i + "] must be \"HOST:PORT\"");
      }
      if (s.matches(".*:\\d+-\\d+$")) {
        throw new ConfigException("cluster.members[" + i + "]: list members one by one (a port range such as " + s
            + " is not supported)");
      }
      try {
        members.add(HostPort.parse(s));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("cluster.members[" + i + "]: " + e.getMessage(), e);
      }
    }
    Path apiCa = c.containsKey("apiCa") ? existing(path(base, string(c, "apiCa", null)), "cluster.apiCa") : null;
    int leaseMillis = integer(c, "leaseMillis", ClusterConfig.DEFAULT_LEASE_MS, 1000, 600_000);
    return new ClusterConfig(node, host, port, members, apiCa, leaseMillis);
  }

  private static Remote remote(String name, JsonObject r, Path base) {
    String where = "remotes." + name;
    unknownKeys(r, REMOTE_KEYS, where + ".");
    String u = required(r, "url", where);
    Path tokenFile = r.containsKey("tokenFile") ? existing(path(base, string(r, "tokenFile", null)), where + ".tokenFile") : null;
    Path clientCert = r.containsKey("clientCert") ? existing(path(base, string(r, "clientCert", null)), where + ".clientCert") : null;
    Path clientKey = r.containsKey("clientKey") ? existing(path(base, string(r, "clientKey", null)), where + ".clientKey") : null;
    if ((clientCert == null) != (clientKey == null)) {
      throw new ConfigException(where + ": clientCert and clientKey go together");
    }
    if (u.regionMatches(true, 0, "https://", 0, 8)) {
      if (r.containsKey("pushTokenFile")) {
        throw new ConfigException(where + ".pushTokenFile is for shardline:// remotes (an HTTPS server takes no pushes)");
      }
      return httpsRemote(name, r, base, u, tokenFile, clientCert);
    }
    Path pushTokenFile = r.containsKey("pushTokenFile")
        ? existing(path(base, string(r, "pushTokenFile", null)), where + ".pushTokenFile") : null;
    if (r.containsKey("headersFile")) {
      throw new ConfigException(where + ".headersFile is for https:// remotes (a node takes tokenFile)");
    }
    ShardlineUrl url;
    try {
      url = ShardlineUrl.parse(u);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(where + ".url: " + e.getMessage() + " (or https://HOST[:PORT][/BASE] for an HTTPS server)", e);
    }
    if (!url.path().isEmpty() && !url.path().equals("/")) {
      throw new ConfigException(where + ".url must be shardline://HOST:PORT without a path (jobs give the path)");
    }
    String t = required(r, "trust", where);
    Trust trust;
    if (t.startsWith(Fingerprint.PREFIX)) {
      try {
        trust = new Trust.Pinned(Fingerprint.parse(t));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ".trust: " + e.getMessage(), e);
      }
    } else {
      trust = new Trust.CaFile(existing(path(base, t), where + ".trust (a CA file, or sha256:HEX)"));
    }
    return Remote.node(name, url, trust, tokenFile, clientCert, clientKey).withPushTokenFile(pushTokenFile);
  }

  /**
   * An HTTPS server: the URL is a base (a job's path is appended), without credentials, query or
   * fragment; trust is the system's CAs ({@code "system"}, the default) or a CA file.
   */
  private static Remote httpsRemote(String name, JsonObject r, Path base, String u, Path tokenFile, Path clientCert) {
    String where = "remotes." + name;
    URI uri;
    try {
      uri = new URI(u);
    } catch (URISyntaxException e) {
      throw new ConfigException(where + ".url is not a URL: " + e.getMessage(), e);
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null) {
      throw new ConfigException(where + ".url must be https://HOST[:PORT][/BASE]" + (uri.getRawUserInfo() != null
          ? ", without credentials (put them in tokenFile or headersFile)" : ""));
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new ConfigException(where + ".url must have no query or fragment: jobs append their path to it");
    }
    if (clientCert != null) {
      throw new ConfigException(where + ": clientCert/clientKey (mutual TLS) are for shardline:// remotes only");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (!path.endsWith("/")) {
      path = path + "/";
    }
    URI https = URI.create("https://" + uri.getRawAuthority() + path);
    String t = string(r, "trust", "system");
    Trust trust;
    if (t.equals("system")) {
      trust = new Trust.SystemCas();
    } else if (t.startsWith(Fingerprint.PREFIX)) {
      throw new ConfigException(where + ".trust: an https:// remote is trusted by \"system\" CAs or a CA file, not a pin");
    } else {
      trust = new Trust.CaFile(existing(path(base, t), where + ".trust (\"system\" or a CA file)"));
    }
    Path headers = null;
    if (r.containsKey("headersFile")) {
      headers = existing(path(base, string(r, "headersFile", null)), where + ".headersFile");
      try {
        HeaderFile.read(headers); // checked now; read again when each job starts (secrets can rotate)
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ".headersFile: " + e.getMessage(), e);
      }
    }
    return new Remote(name, null, https, trust, tokenFile, null, null, headers);
  }

  private static List<ApiToken> tokens(JsonObject c) {
    Object v = c.getValue("tokens");
    if (!(v instanceof JsonArray a) || a.isEmpty()) {
      throw new ConfigException("tokens must list at least one {\"token\": ..., \"role\": \"operator\"|\"viewer\"}");
    }
    List<ApiToken> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < a.size(); i++) {
      String where = "tokens[" + i + "]";
      JsonObject t = objectValue(a.getValue(i), where);
      unknownKeys(t, Set.of("token", "role", "name"), where + ".");
      String secret = required(t, "token", where);
      if (secret.length() < 8 || !secret.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
        throw new ConfigException(where + ".token must be at least 8 printable ASCII characters without spaces");
      }
      if (!seen.add(secret)) {
        throw new ConfigException(where + ".token is listed twice");
      }
      Role role;
      try {
        role = Role.parse(required(t, "role", where));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ".role: " + e.getMessage(), e);
      }
      String name = string(t, "name", role.label() + "-" + (i + 1));
      out.add(new ApiToken(secret, role, name));
    }
    return out;
  }

  private static void unknownKeys(JsonObject o, Set<String> known, String prefix) {
    for (String k : o.fieldNames()) {
      if (!known.contains(k)) {
        throw new ConfigException("unknown key '" + prefix + k + "' (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }

  private static void checkName(String n, String where) {
    if (!NAME.matcher(n).matches()) {
      throw new ConfigException(where + ": name '" + n + "' must be 1-64 of [A-Za-z0-9_.-], starting with a letter or digit");
    }
  }

  private static String required(JsonObject o, String key) {
    return required(o, key, null);
  }

  private static String required(JsonObject o, String key, String where) {
    String s = string(o, key, null);
    if (s == null || s.isBlank()) {
      throw new ConfigException((where == null ? "" : where + ".") + key + " is required");
    }
    return s;
  }

  private static String string(JsonObject o, String key, String dflt) {
    Object v = o.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(key + " must be a string");
    }
    return s;
  }

  private static int integer(JsonObject o, String key, int dflt, int min, int max) {
    Object v = o.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < min || n.longValue() > max) {
      throw new ConfigException(key + " must be an integer in " + min + ".." + max + ", got " + v);
    }
    return n.intValue();
  }

  private static JsonObject object(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v == null ? new JsonObject() : objectValue(v, key);
  }

  private static JsonObject objectValue(Object v, String where) {
    if (v instanceof JsonObject j) {
      return j;
    }
    if (v instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) m;
      return new JsonObject(map);
    }
    throw new ConfigException(where + " must be an object");
  }

  private static Path path(Path base, String s) {
    Path p = Path.of(s);
    return p.isAbsolute() ? p : base.resolve(p);
  }

  private static Path existing(Path p, String what) {
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new ConfigException(what + ": " + p + " is not a readable file");
    }
    return p;
  }
}
