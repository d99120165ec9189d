package io.shardline.engine.hdfs;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where in a Hadoop file system: {@code hdfs://NAMENODE:PORT/PATH}, parsed by a pure function.
 * The NameNode is a host name or IPv4 address with an explicit port (1-65535); the path is
 * absolute and normalised (no trailing or doubled slashes) and may not hold "." or ".."
 * segments, so a path built from it never escapes it. {@code path} is "/" for the root. No user
 * info or query is taken (credentials never sit in a URL).
 */
public record HdfsLocation(String host, int port, String path) {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");

  /** Whether {@code url} is meant as an HDFS location (its scheme is hdfs, any case). */
  public static boolean isHdfs(String url) {
    return url != null && url.regionMatches(true, 0, "hdfs://", 0, 7);
  }

  /** Parses {@code hdfs://HOST:PORT[/PATH]}; a bad URL is a {@code BAD_PATH} naming what is wrong. */
  public static HdfsLocation parse(String url) {
    if (!isHdfs(url)) {
      throw bad(url, "it does not start with hdfs://");
    }
    String rest = url.substring(7);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    if (authority.indexOf('@') >= 0) {
      throw bad(url, "it holds a user or password; HDFS credentials come from the Hadoop configuration");
    }
    if (path.indexOf('?') >= 0 || path.indexOf('#') >= 0) {
      throw bad(url, "it holds a query or fragment");
    }
    int colon = authority.lastIndexOf(':');
    if (authority.isEmpty() || colon == 0) {
      throw bad(url, "it names no NameNode host");
    }
    if (colon < 0) {
      throw bad(url, "it names no NameNode port (hdfs://HOST:PORT/PATH)");
    }
    String host = authority.substring(0, colon);
    if (!HOST.matcher(host).matches()) {
      throw bad(url, "'" + host + "' is not a host name");
    }
    int port;
    try {
      port = Integer.parseInt(authority.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw bad(url, "'" + authority.substring(colon + 1) + "' is not a port (1-65535)");
    }
    return new HdfsLocation(host, port, normalise(path, url));
  }

  /** {@code path} absolute, without empty segments; "." and ".." are refused (they would escape it). */
  private static String normalise(String path, String url) {
    if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
      throw bad(url, "the path holds a NUL or a backslash");
    }
    List<String> segments = new ArrayList<>();
    for (String s : path.split("/")) {
      if (s.isEmpty()) {
        continue;
      }
      if (s.equals(".") || s.equals("..")) {
        throw bad(url, "the path holds a '" + s + "' segment; give the normalised path");
      }
      segments.add(s);
    }
    return "/" + String.join("/", segments);
  }

  private static ShardlineException bad(String url, String why) {
    return new ShardlineException(ErrorCode.BAD_PATH, "bad HDFS location " + url + ": " + why);
  }

  /** The file system's URI: {@code hdfs://HOST:PORT}. */
  public String fileSystem() {
    return "hdfs://" + host + ":" + port;
  }

  /**
   * The absolute path of {@code rel} (a normalised path under this location, "" for the location
   * itself); callers check {@code rel} ({@link HdfsNames#problem}).
   */
  public String path(String rel) {
    if (rel.isEmpty()) {
      return path;
    }
    return path.equals("/") ? "/" + rel : path + "/" + rel;
  }

  /** The same location one level down ({@code rel} normalised). */
  public HdfsLocation resolve(String rel) {
    return rel.isEmpty() ? this : new HdfsLocation(host, port, path(rel));
  }

  @Override
  public String toString() {
    return fileSystem() + path;
  }
}
