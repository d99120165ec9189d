package io.shardline.engine.server;

import io.shardline.engine.delta.SegmentCodec;
import io.shardline.engine.delta.SegmentIndex;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's view of its {@link ChunkSource}: the manifests it listed (so a GET is checked against
 * the manifest the client holds) and the open handles chunk reads go through, shared by all
 * lanes. Handles are kept in a Caffeine cache, bounded in number and closed after a while unused
 * (its removal listener closes them); a handle in use by a read is closed only when that read
 * is done (a reference count). Blocking: call from the disk workers.
 */
final class OpenFiles {
  /** Open handles at most (each holds a file descriptor). */
  static final int MAX_OPEN = 512;
  /** A handle unused this long is closed. */
  static final Duration IDLE = Duration.ofSeconds(30);
  /** Listed manifests kept per node (a few hundred bytes each, plus 4 bytes per chunk). */
  static final int MAX_LISTED = 100_000;

  /** Versions of one path kept listed (v7: a replaced file keeps serving the version a client listed). */
  static final int VERSIONS_PER_PATH = 8;

  /** A handle's key: a path at one chunking and version ({@link FileManifest#versionTag()}; 0: unchecked). */
  private record Key(String rel, int chunkSize, long version) {}

  /** A cached handle and its users; the cache holds one reference. */
  private static final class Lease {
    final ChunkSource.Handle handle;
    final AtomicInteger refs = new AtomicInteger(1);

    Lease(ChunkSource.Handle handle) {
      this.handle = handle;
    }

    boolean retain() {
      for (int n = refs.get(); n > 0; n = refs.get()) {
        if (refs.compareAndSet(n, n + 1)) {
          return true;
        }
      }
      return false; // already closed: the caller takes a fresh handle
    }

    void release() {
      if (refs.decrementAndGet() == 0) {
        handle.close();
      }
    }
  }

  private final ChunkSource source;
  /** By path: the manifests listed for it, newest first, one per chunk size and version. */
  private final Cache<String, List<FileManifest>> listed;
  private final Cache<Key, Lease> handles;

  OpenFiles(ChunkSource source) {
    this.source = source;
    this.listed = Caffeine.newBuilder().maximumSize(MAX_LISTED).build();
    this.handles = Caffeine.newBuilder()
        .maximumSize(MAX_OPEN)
        .expireAfterAccess(IDLE)
        .scheduler(Scheduler.systemScheduler()) // idle handles close on time, not at the next access
        .executor(Runnable::run)
        .<Key, Lease>removalListener((k, lease, cause) -> {
          if (lease != null) {
            lease.release();
          }
        })
        .build();
  }

  ChunkSource source() {
    return source;
  }

  /** LIST: the source's manifests, remembered so the GETs that follow are checked against them. */
  List<FileManifest> list(String rel, int chunkSize) throws IOException {
    return list(rel, chunkSize, false);
  }

  /**
   * LIST, maybe with streamed manifests (v4; {@link ChunkSource#list(String, int, boolean)}). A
   * streamed listing's GETs are checked against its version (size, modification time) only; the
   * complete manifest listed later replaces it, and reads check CRCs again.
   */
  List<FileManifest> list(String rel, int chunkSize, boolean stream) throws IOException {
    List<FileManifest> files = source.list(rel, chunkSize, stream);
    for (FileManifest m : files) {
      listed.asMap().compute(m.path(), (p, old) -> {
        List<FileManifest> next = new ArrayList<>(VERSIONS_PER_PATH);
        next.add(m); // newest first; a streamed listing's complete manifest replaces it (same version)
        if (old != null) {
          for (FileManifest o : old) {
            if (next.size() < VERSIONS_PER_PATH
                && !(o.chunkSize() == m.chunkSize() && o.versionTag() == m.versionTag())) {
              next.add(o);
            }
          }
        }
        return List.copyOf(next);
      });
    }
    return files;
  }

  /**
   * GET: reads a chunk through the handle for the manifest whose chunk grid holds the range (or,
   * for a file this node has not listed, an unchecked handle: a server restarted under a client).
   * A handle whose file changed or failed to read is dropped, so the next read opens afresh.
   */
  ChunkSource.Chunk read(String rel, long offset, int length, ByteBufAllocator alloc) throws IOException {
    return read(rel, offset, length, 0, alloc);
  }

  /**
   * GET at the version the client listed (v7, {@link FileManifest#versionTag()}; 0 or one this
   * node did not list: the one listed last): a file replaced since is still read from the handle
   * open on that version, if any (else it is opened again, and a replaced file is
   * {@code SOURCE_CHANGED}).
   */
  ChunkSource.Chunk read(String rel, long offset, int length, long version, ByteBufAllocator alloc) throws IOException {
    return withHandle(rel, manifestFor(rel, offset, length, version), h -> h.read(offset, length, alloc));
  }

  /**
   * GET_RANGE (v6): any range of a file, through the handle of a manifest listed for it (any
   * chunk size: the version is what matters), or an unchecked handle for a file not listed.
   */
  ChunkSource.Chunk readRange(String rel, long offset, int length, long version, ByteBufAllocator alloc)
      throws IOException {
    return withHandle(rel, anyManifest(rel, version), h -> h.readRange(offset, length, alloc));
  }

  /**
   * SEGMENTS (v6): the content-defined segments of the version of {@code rel} this node listed
   * that overlap {@code [offset, offset + length)}; {@code NOT_FOUND} for a file it has not listed
   * (the client lists before it asks), {@code BAD_REQUEST} for more than one list holds.
   */
  SegmentIndex segments(String rel, long offset, long length, long version) throws IOException {
    FileManifest m = anyManifest(rel, version);
    if (m == null || m.streamed()) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " has not been listed (completely) on this node;"
          + " list it before asking for its segments");
    }
    SegmentIndex all = withHandle(rel, m, ChunkSource.Handle::segments);
    SegmentIndex some = all.covering(offset, Math.min(m.size(), offset + length));
    if (some.size() > SegmentCodec.MAX_SEGMENTS) {
      throw new ShardlineException(ErrorCode.BAD_REQUEST, "/" + rel + " has " + some.size() + " segments in "
          + offset + "+" + length + ", more than one list holds (" + SegmentCodec.MAX_SEGMENTS + "); ask for less");
    }
    return some;
  }

  @FunctionalInterface
  private interface HandleCall<T> {
    T apply(ChunkSource.Handle h) throws IOException;
  }

  /**
   * Runs {@code call} on the cached handle for {@code m}'s version of {@code rel} (null: unchecked);
   * a handle whose file changed or failed to read is dropped, so the next call opens afresh.
   */
  private <T> T withHandle(String rel, FileManifest m, HandleCall<T> call) throws IOException {
    Key key = new Key(rel, m == null ? 0 : m.chunkSize(), m == null ? 0 : m.versionTag());
    for (int attempt = 0; ; attempt++) {
      Lease lease = lease(key, rel, m);
      if (!lease.retain()) {
        if (attempt < 3) {
          continue; // evicted between the lookup and now
        }
        throw new ShardlineException(ErrorCode.BUSY, "/" + rel + ": open handles are being evicted faster than read");
      }
      try {
        return call.apply(lease.handle);
      } catch (ShardlineException e) {
        if (e.code() == ErrorCode.SOURCE_CHANGED || e.code() == ErrorCode.IO_ERROR) {
          handles.asMap().remove(key, lease); // the removal listener drops the cache's reference
          lease.release();
          lease = null;
        }
        throw e;
      } finally {
        if (lease != null) {
          lease.release();
        }
      }
    }
  }

  /** A manifest listed for {@code rel} at {@code version} (or the newest), complete if one is. */
  private FileManifest anyManifest(String rel, long version) {
    List<FileManifest> versions = listed.getIfPresent(rel);
    if (versions == null) {
      return null;
    }
    long wanted = known(versions, version);
    FileManifest best = null;
    for (FileManifest m : versions) {
      if (m.versionTag() == wanted && (best == null || (best.streamed() && !m.streamed()))) {
        best = m;
      }
    }
    return best;
  }

  /**
   * {@code version} if this node listed it for the path, else the newest listed: a client of
   * several sources names the version its preferred source listed (another copy of the same
   * content has its own modification time), and reads are checked against the CRCs anyway.
   */
  private static long known(List<FileManifest> versions, long version) {
    for (FileManifest m : versions) {
      if (m.versionTag() == version) {
        return version;
      }
    }
    return versions.get(0).versionTag();
  }

  private Lease lease(Key key, String rel, FileManifest m) throws IOException {
    try {
      return handles.get(key, k -> {
        try {
          return new Lease(source.open(rel, m));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * The manifest at {@code version} (0: the newest listed) whose chunk grid holds the range; null
   * for a path not listed (an unchecked read: a server restarted under a client).
   */
  private FileManifest manifestFor(String rel, long offset, int length, long version) {
    List<FileManifest> versions = listed.getIfPresent(rel);
    if (versions == null) {
      return null;
    }
    long wanted = known(versions, version);
    for (FileManifest m : versions) {
      long cs = m.chunkSize();
      if (m.versionTag() == wanted && offset % cs == 0 && offset / cs < m.chunkCount()
          && m.chunkLength((int) (offset / cs)) == length) {
        return m;
      }
    }
    return null;
  }

  /** Closes every handle (the server stops). */
  void close() {
    handles.invalidateAll();
    handles.cleanUp();
  }
}
