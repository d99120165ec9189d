package io.shardline.engine.transfer;

import io.shardline.engine.storage.SafePath;
import java.net.URI;
import java.net.URISyntaxException;

/** {@code shardline://HOST:PORT/PATH}; PATH is normalised to wire form ("" is the root). */
public record ShardlineUrl(String host, int port, String path) {
  public static final int DEFAULT_PORT = 7700;

  public static ShardlineUrl parse(String s) {
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid URL: " + s + " (" + e.getReason() + ")");
    }
    if (!"shardline".equals(uri.getScheme())) {
      throw new IllegalArgumentException("URL must start with shardline://, got " + s);
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("URL has no host: " + s);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    String path = uri.getPath() == null ? "" : uri.getPath();
    return new ShardlineUrl(host, port, SafePath.normalize(path));
  }

  @Override
  public String toString() {
    return "shardline://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + path;
  }
}
