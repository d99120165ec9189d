package io.shardline.gateway.journal;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of the job table ({@code snapshot.json}): the state after event {@code lastSeq}, and
 * the journal offset just past that event, so start-up replays only what came after. Written to a
 * temporary file, forced, renamed over the old one and the folder forced: a crash leaves the old
 * snapshot or the new one. Blocking; a damaged snapshot is ignored (the journal has everything).
 */
public final class SnapshotStore {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);

  /** A snapshot: the table ({@code JobTable#toSnapshot}) and where the journal continues. */
  public record Snapshot(JsonObject table, long journalOffset) {}

  private final Path file;

  public SnapshotStore(Path dataDir) {
    this.file = dataDir.resolve("snapshot.json");
  }

  public Optional<Snapshot> read() {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      JsonObject j = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      return Optional.of(new Snapshot(j.getJsonObject("table"), j.getLong("journalOffset")));
    } catch (IOException | DecodeException | ClassCastException | NullPointerException e) {
      LOG.warn("ignoring the damaged snapshot {} ({}); replaying the whole journal", file, e.toString());
      return Optional.empty();
    }
  }

  public void write(Snapshot s) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    byte[] bytes = new JsonObject().put("journalOffset", s.journalOffset()).put("table", s.table()).encode()
        .getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
