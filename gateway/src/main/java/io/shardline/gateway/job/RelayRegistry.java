package io.shardline.gateway.job;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Where the relays of broadcasts say where they serve, by broadcast and target: {@code host},
 * {@code port}, {@code fingerprint} (the relay's self-signed certificate), {@code token} (its own,
 * random), {@code node} and {@code done} (its pull is complete: it only seeds now). A gateway alone
 * keeps them in memory; a cluster's members share them (a Hazelcast map), never in a journal,
 * since an entry holds a relay's token.
 */
public interface RelayRegistry {
  Future<Void> put(String broadcast, String target, JsonObject relay);

  /** The target's relay, or null when none serves it now. */
  Future<JsonObject> get(String broadcast, String target);

  Future<Void> remove(String broadcast, String target);

  /** The registry of a gateway alone. */
  static RelayRegistry local() {
    Map<String, JsonObject> map = new ConcurrentHashMap<>();
    return new RelayRegistry() {
      @Override
      public Future<Void> put(String broadcast, String target, JsonObject relay) {
        map.put(broadcast + '\0' + target, relay.copy());
        return Future.succeededFuture();
      }

      @Override
      public Future<JsonObject> get(String broadcast, String target) {
        JsonObject j = map.get(broadcast + '\0' + target);
        return Future.succeededFuture(j == null ? null : j.copy());
      }

      @Override
      public Future<Void> remove(String broadcast, String target) {
        map.remove(broadcast + '\0' + target);
        return Future.succeededFuture();
      }
    };
  }

  /** The registry {@code current} names at each call (a gateway's changes once it has joined its cluster). */
  static RelayRegistry of(Supplier<RelayRegistry> current) {
    return new RelayRegistry() {
      @Override
      public Future<Void> put(String broadcast, String target, JsonObject relay) {
        return current.get().put(broadcast, target, relay);
      }

      @Override
      public Future<JsonObject> get(String broadcast, String target) {
        return current.get().get(broadcast, target);
      }

      @Override
      public Future<Void> remove(String broadcast, String target) {
        return current.get().remove(broadcast, target);
      }
    };
  }
}
