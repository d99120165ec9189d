package io.shardline.gateway.config;

import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.ShardlineUrl;
import java.net.URI;
import java.nio.file.Path;

/**
 * A named source. Jobs name it ({@code ckpt:models/llama}), so its address, trust and secrets
 * never travel in a job. It is either a Shardline node ({@code shardline://HOST:PORT}) or an
 * HTTPS server ({@code https://HOST[:PORT][/BASE]}: a job's path is appended to the base, and
 * the file is pulled by parallel range requests).
 *
 * @param node the node's address, or null for an HTTPS remote
 * @param https the HTTPS base URL (its path ends with {@code /}), or null for a node
 * @param tokenFile file holding the access token (sent as {@code Authorization: Bearer} to an
 *     HTTPS remote), or null for none
 * @param clientCert PEM client certificate for mutual TLS with a node, or null
 * @param clientKey PEM private key of {@code clientCert}, or null
 * @param headersFile for an HTTPS remote, a file of {@code Name: value} lines sent with every
 *     request (secrets such as API keys; read when each job starts), or null
 * @param pushTokenFile for a node that accepts pushes ({@code serve --accept-push}), the file
 *     holding its push token (a secret of its own: the read token never writes); null when jobs
 *     may not push to it
 */
public record Remote(String name, ShardlineUrl node, URI https, Trust trust, Path tokenFile, Path clientCert,
    Path clientKey, Path headersFile, Path pushTokenFile) {

  /** A remote that takes no pushes. */
  public Remote(String name, ShardlineUrl node, URI https, Trust trust, Path tokenFile, Path clientCert,
      Path clientKey, Path headersFile) {
    this(name, node, https, trust, tokenFile, clientCert, clientKey, headersFile, null);
  }

  /** A Shardline node. */
  public static Remote node(String name, ShardlineUrl url, Trust trust, Path tokenFile, Path clientCert, Path clientKey) {
    return new Remote(name, url, null, trust, tokenFile, clientCert, clientKey, null, null);
  }

  /** A Shardline node that takes pushes with the token in {@code pushTokenFile}. */
  public Remote withPushTokenFile(Path pushTokenFile) {
    return new Remote(name, node, https, trust, tokenFile, clientCert, clientKey, headersFile, pushTokenFile);
  }

  /** True for an HTTPS server (pulled by ranges), false for a Shardline node. */
  public boolean isHttps() {
    return https != null;
  }

  /** Where the remote is, for messages and views: {@code shardline://H:P} or the HTTPS base (no secrets). */
  public String address() {
    return isHttps() ? https.toString() : "shardline://" + node.host() + ":" + node.port();
  }
}
