package io.shardline.engine.sync;

import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.lane.ClientConnection;
import io.shardline.engine.lane.ManifestFetcher;
import io.shardline.engine.tls.PinningTrustManager;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.PullOptions;
import io.shardline.engine.transfer.ShardlineUrl;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.List;

/**
 * A source's listing over one connection (TLS, HELLO, LIST; complete manifests only), as a pull
 * starts, with the pull's connection options: what a dry run compares the destination with, and
 * what a sync classifies files by before it pulls. Writes nothing anywhere.
 */
public final class SourceListing {
  /** Most files a listing may hold, as a pull accepts. */
  static final int MAX_FILES = 1_000_000;

  private SourceListing() {}

  /** Lists {@code o}'s first source with {@code o}'s chunk size, trust, token and client certificate. */
  public static Future<List<FileManifest>> fetch(Vertx vertx, PullOptions o) {
    ShardlineUrl src = o.source();
    int chunkSize = PullOptions.chunkSizeFor(o.chunkSize(), 0);
    PinningTrustManager pinning = o.trust() instanceof Trust.Pinned p ? new PinningTrustManager(p.fingerprint()) : null;
    ClientConnection.Target target = new ClientConnection.Target(src.host(), src.port(), o.token(),
        Protocol.maxServerFrame(chunkSize), o.connectTimeoutMs(), pinning);
    Promise<List<FileManifest>> listed = Promise.promise();
    if (o.connector() != null) { // a push's sync on the node: a connection the pusher opens
      Context ctx = o.connector().context();
      ctx.runOnContext(v -> o.connector().open(target, 0)
          .compose(conn -> ManifestFetcher.fetch(conn, src.path(), chunkSize, MAX_FILES)
              .eventually(() -> conn.socket().close()))
          .onComplete(listed));
      return listed.future();
    }
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      NetClient client;
      try {
        NetClientOptions tls = TlsSupport.client(o.trust(), pinning, o.connectTimeoutMs(), o.clientCert(), o.clientKey());
        client = vertx.createNetClient(o.plaintextForTestsOnly() ? tls.setSsl(false) : tls);
      } catch (RuntimeException e) {
        listed.fail(e);
        return;
      }
      ClientConnection.open(vertx, client, target, 0)
          .compose(conn -> ManifestFetcher.fetch(conn, src.path(), chunkSize, MAX_FILES)
              .eventually(() -> conn.socket().close()))
          .eventually(client::close)
          .onComplete(listed);
    });
    return listed.future();
  }
}
