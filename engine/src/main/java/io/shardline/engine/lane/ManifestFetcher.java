package io.shardline.engine.lane;

import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/** Asks a connected server for the manifest of a path and collects its ENTRY frames. */
public final class ManifestFetcher {
  /** Most chunk CRCs a client holds for one pull (256 MiB of them): a server cannot exhaust its memory. */
  public static final long MAX_CHUNKS = 64L * 1024 * 1024;

  private ManifestFetcher() {}

  /** Lists {@code path} with complete manifests only. */
  public static Future<List<FileManifest>> fetch(ClientConnection conn, String path, int chunkSize, int maxFiles) {
    return fetch(conn, path, chunkSize, maxFiles, 0);
  }

  /** Lists {@code path}; {@code flags} as in {@link Frame.List} (v4: {@link Frame.List#STREAM}). */
  public static Future<List<FileManifest>> fetch(ClientConnection conn, String path, int chunkSize, int maxFiles,
      int flags) {
    Promise<List<FileManifest>> p = Promise.promise();
    List<FileManifest> files = new ArrayList<>();
    long[] chunks = {0};
    int requestId = 1;
    conn.handler(msg -> {
      if (msg instanceof Frame.Entry e && e.requestId() == requestId) {
        if (e.file().chunkSize() != chunkSize) {
          p.tryFail(new ShardlineException(ErrorCode.MALFORMED_FRAME, "server used chunk size " + e.file().chunkSize()));
        } else if (files.size() >= maxFiles) {
          p.tryFail(new ShardlineException(ErrorCode.BAD_REQUEST, "manifest has more than " + maxFiles + " files"));
        } else if (e.file().streamed() && (flags & Frame.List.STREAM) == 0) {
          p.tryFail(new ShardlineException(ErrorCode.MALFORMED_FRAME, "server streamed the manifest of "
              + e.file().name() + " to a listing that asked for complete manifests"));
        } else if ((chunks[0] += e.file().chunkCount()) > MAX_CHUNKS) {
          p.tryFail(new ShardlineException(ErrorCode.BAD_REQUEST, "manifest lists more than " + MAX_CHUNKS
              + " chunks (use a larger --chunk-size or pull a smaller part)"));
        } else {
          files.add(e.file());
        }
      } else if (msg instanceof Frame.ListEnd end && end.requestId() == requestId) {
        if (end.files() != files.size()) {
          p.tryFail(new ShardlineException(ErrorCode.MALFORMED_FRAME,
              "manifest announced " + end.files() + " files, sent " + files.size()));
        } else {
          p.tryComplete(files);
        }
      } else if (msg instanceof Frame.Error e) {
        p.tryFail(new ShardlineException(e.code(), e.message()));
      } else if (msg instanceof ShardlineException e) {
        p.tryFail(e);
      } else {
        if (msg instanceof Frame.Data d) {
          d.release();
        }
        p.tryFail(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "unexpected frame while listing: " + msg));
      }
    });
    conn.socket().send(new Frame.List(requestId, chunkSize, path, flags));
    return p.future();
  }
}
