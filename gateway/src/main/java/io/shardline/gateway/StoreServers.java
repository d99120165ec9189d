package io.shardline.gateway;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.hdfs.HdfsChunkSource;
import io.shardline.engine.hdfs.HdfsClients;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.s3.S3ChunkSource;
import io.shardline.engine.s3.S3Clients;
import io.shardline.engine.server.ServeOptions;
import io.shardline.engine.server.ShardlineServer;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.ShardlineUrl;
import io.shardline.gateway.config.Remote;
import io.shardline.gateway.config.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Remotes that are stores (an S3 prefix, an HDFS path): each is served by a Shardline node of
 * the gateway's own on 127.0.0.1 (a random port, a random token in a 0600 file, its own
 * self-signed certificate, pinned), over the engine's {@code S3ChunkSource} or
 * {@code HdfsChunkSource}, so a job from a store is an ordinary node pull: every chunk checked
 * against a manifest, resumable, fenced, rate-limited, into any destination (a folder or another
 * store). The store is checked when the gateway starts (a missing bucket, refused credentials or an
 * unreachable NameNode stop the start with one error naming the remote).
 */
final class StoreServers {
  private final Vertx vertx;
  private final Path dataDir;
  private final List<ShardlineServer> servers = new ArrayList<>();
  private final List<Closeable> clients = new ArrayList<>();

  StoreServers(Vertx vertx, Path dataDir) {
    this.vertx = vertx;
    this.dataDir = dataDir;
  }

  /** Starts a node per store; completes with the node remotes that stand for them, by name. */
  Future<Map<String, Remote>> start(Map<String, Store> stores) {
    Future<Map<String, Remote>> all = Future.succeededFuture(new LinkedHashMap<>());
    for (Store s : stores.values()) {
      all = all.compose(map -> start(s).map(r -> {
        map.put(s.name(), r);
        return map;
      }));
    }
    return all.map(Map::copyOf);
  }

  private Future<Remote> start(Store store) {
    Path state = dataDir.resolve("stores").resolve(store.name());
    return vertx.executeBlocking(() -> {
      Files.createDirectories(state);
      String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
      Path tokenFile = state.resolve("token");
      Files.deleteIfExists(tokenFile);
      Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tokenFile, token, StandardCharsets.UTF_8);
      return new Object[] {source(store, state), token, tokenFile};
    }, false).compose(made -> {
      ServeOptions o = new ServeOptions().host("127.0.0.1").port(0).stateDir(state).token((String) made[1]);
      ShardlineServer server = new ShardlineServer(vertx, o, (ChunkSource) made[0]);
      synchronized (servers) {
        servers.add(server);
      }
      return server.start().map(info -> Remote.node(store.name(), new ShardlineUrl("127.0.0.1", info.port(), ""),
          new Trust.Pinned(info.fingerprint()), (Path) made[2], null, null));
    }).recover(t -> Future.failedFuture(new IllegalStateException("remote '" + store.name() + "' ("
        + store.location() + "): " + t.getMessage(), t)));
  }

  /** The store's chunk source, checked (blocking). */
  private ChunkSource source(Store store, Path state) throws IOException {
    ManifestCache cache = new ManifestCache(state.resolve("manifests"));
    if (store.kind() == Store.Kind.S3) {
      S3Clients.Config config = store.s3Config();
      S3Client client = S3Clients.build(config);
      synchronized (clients) {
        clients.add(client::close);
      }
      S3ChunkSource source = new S3ChunkSource(client, store.s3(), config.where(), cache, ServeOptions.DEFAULT_MAX_FILES);
      source.check();
      return source;
    }
    FileSystem fs = HdfsClients.open(store.hdfs(), HdfsClients.configuration(), ErrorCode.IO_ERROR);
    synchronized (clients) {
      clients.add(fs);
    }
    HdfsChunkSource source = new HdfsChunkSource(fs, store.hdfs(), cache, ServeOptions.DEFAULT_MAX_FILES);
    source.check();
    return source;
  }

  /** Stops the nodes and closes the clients. */
  Future<Void> close() {
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (servers) {
      servers.forEach(s -> stops.add(s.stop()));
    }
    return Future.join(stops).transform(x -> vertx.executeBlocking(() -> {
      synchronized (clients) {
        for (Closeable c : clients) {
          try {
            c.close();
          } catch (IOException | RuntimeException e) {
            // closing anyway
          }
        }
      }
      return null;
    }, false)).mapEmpty();
  }
}
