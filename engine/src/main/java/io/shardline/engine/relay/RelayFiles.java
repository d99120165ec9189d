package io.shardline.engine.relay;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.netty.buffer.ByteBuf;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.wire.FrameSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * What a relay holds of the files it is pulling, shared by its two halves: the pull writes into it
 * ({@link RelayTap}, which sees every chunk once it is verified and written) and the server reads
 * from it ({@link RelaySource}). Per file, by its name under the relay's folder (which is also the
 * path it is served under): the upstream's manifest, which chunks are here, where their bytes are
 * (the partial file, then the published one), and who waits for which chunk. The most recent
 * chunks are also kept in memory, so a downstream just behind the relay reads none of them back
 * from disk. Thread-safe; nothing here blocks but {@link #listing}.
 */
final class RelayFiles implements ChunkSource.Arrivals {
  private final Map<String, Held> files = new ConcurrentHashMap<>();
  /** The pull's listing once its sources agreed, then once every file of it was prepared. */
  private final CompletableFuture<List<FileManifest>> listed = new CompletableFuture<>();
  private final CompletableFuture<List<Held>> prepared = new CompletableFuture<>();
  /**
   * Recently verified chunks, copied off the heap (pooled direct buffers the cache owns, released
   * when evicted, replaced or dropped), bounded by their bytes.
   */
  private final Cache<ChunkKey, ByteBuf> recent;
  private final boolean keepsChunks;
  /** Told which chunk a downstream waits for, so the pull fetches it next. */
  private volatile BiConsumer<String, Integer> demand = (name, index) -> { };

  private record ChunkKey(String name, int index) {}

  /**
   * One file being relayed. {@code manifest} is the upstream's, under the name the file lands as;
   * its bytes are at {@code part} until it is published, at {@code published} after.
   */
  static final class Held {
    final FileManifest manifest;
    final Path part;
    final Path published;
    private final BitSet here;
    private final Map<Integer, List<Runnable>> waiters = new HashMap<>();
    private volatile boolean done;
    private volatile ShardlineException failure;

    Held(FileManifest manifest, Path part, Path published, BitSet here) {
      this.manifest = manifest;
      this.part = part;
      this.published = published;
      this.here = (BitSet) here.clone();
    }

    synchronized boolean has(int index) {
      return here.get(index);
    }

    /** Whether the file is published (or was found complete): its bytes are at {@link #published}. */
    boolean done() {
      return done;
    }

    /** Why the relay's pull of this file failed, or null. */
    ShardlineException failure() {
      return failure;
    }

    synchronized int count() {
      return here.cardinality();
    }
  }

  /** @param memoryBytes at most this many bytes of recent chunks are kept in memory (0: none) */
  RelayFiles(long memoryBytes) {
    this.keepsChunks = memoryBytes > 0;
    this.recent = Caffeine.newBuilder()
        .maximumWeight(Math.max(0, memoryBytes))
        .<ChunkKey, ByteBuf>weigher((k, v) -> v.capacity())
        .removalListener((ChunkKey k, ByteBuf v, RemovalCause cause) -> {
          if (v != null) {
            v.release();
          }
        })
        .executor(Runnable::run)
        .build();
  }

  /** Who is told which chunk a downstream waits for (the relay's pull). */
  void onDemand(BiConsumer<String, Integer> d) {
    demand = d;
  }

  /** The pull's sources agreed on this listing (names as the files land). */
  void listed(List<FileManifest> listing) {
    listed.complete(List.copyOf(listing));
    checkPrepared();
  }

  /** The pull found what is already here of {@code m} (its verified chunks); from now on it is served. */
  void prepared(FileManifest m, Path part, Path published, BitSet here, boolean complete) {
    Held h = new Held(m, part, published, here);
    h.done = complete;
    files.put(m.name(), h);
    checkPrepared();
  }

  private void checkPrepared() {
    List<FileManifest> listing = listed.getNow(null);
    if (listing == null || prepared.isDone()) {
      return;
    }
    List<Held> all = new ArrayList<>();
    for (FileManifest m : listing) {
      Held h = files.get(m.name());
      if (h == null) {
        return;
      }
      all.add(h);
    }
    prepared.complete(List.copyOf(all));
  }

  /**
   * Every file of the pull, once its listing is known and each file's chunks already here were
   * counted. Blocking, for at most {@code waitMs}: {@code BUSY} (retryable: a client asks again)
   * while the relay is still listing its upstream, or the pull's failure.
   */
  List<Held> listing(long waitMs) {
    try {
      return prepared.get(waitMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new ShardlineException(ErrorCode.BUSY, "this relay is still listing its upstream; ask again");
    } catch (ExecutionException e) {
      throw ShardlineException.wrap(e.getCause(), ErrorCode.IO_ERROR);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ShardlineException(ErrorCode.BUSY, "interrupted while waiting for the relay's listing");
    }
  }

  /** The file served at {@code path}, or null. */
  Held file(String path) {
    return files.get(path);
  }

  /** Keeps a copy of chunk {@code index} of {@code name} (verified; its readable bytes) in memory, if room. */
  void remember(String name, int index, ByteBuf data) {
    if (!keepsChunks) {
      return;
    }
    int n = data.readableBytes();
    ByteBuf copy = FrameSocket.ALLOC.directBuffer(n, n);
    copy.writeBytes(data, data.readerIndex(), n);
    recent.put(new ChunkKey(name, index), copy);
  }

  /**
   * Copies chunk {@code index} of {@code name} into {@code into} when it is in memory; false when
   * not. The copy is made while the cache entry is held, so an eviction cannot release it midway.
   */
  boolean recall(String name, int index, ByteBuf into) {
    boolean[] hit = {false};
    recent.asMap().computeIfPresent(new ChunkKey(name, index), (k, v) -> {
      into.writeBytes(v, v.readerIndex(), v.readableBytes());
      hit[0] = true;
      return v;
    });
    return hit[0];
  }

  /** Lets go of the chunks kept in memory (the relay stopped). */
  void close() {
    recent.invalidateAll();
    recent.cleanUp();
  }

  /** Chunk {@code index} of {@code name} is verified and written here: it is served from now on. */
  void arrived(String name, int index) {
    Held h = files.get(name);
    if (h == null) {
      return;
    }
    List<Runnable> wake;
    synchronized (h) {
      h.here.set(index);
      wake = h.waiters.remove(index);
    }
    run(wake);
  }

  /** {@code name} was published: its bytes are at its final path. */
  void published(String name) {
    Held h = files.get(name);
    if (h != null) {
      h.done = true;
    }
  }

  /** The relay's pull of {@code name} failed for good: whoever waits for it is told. */
  void failed(String name, ShardlineException why) {
    Held h = files.get(name);
    if (h != null) {
      fail(h, why);
    }
  }

  /** The relay's pull failed as a whole: every file not complete fails with it, and so does the listing. */
  void pullFailed(ShardlineException why) {
    listed.completeExceptionally(why);
    prepared.completeExceptionally(why);
    for (Held h : files.values()) {
      if (!h.done) {
        fail(h, why);
      }
    }
  }

  private static void fail(Held h, ShardlineException why) {
    List<Runnable> wake = new ArrayList<>();
    synchronized (h) {
      if (h.failure == null) {
        h.failure = why;
      }
      h.waiters.values().forEach(wake::addAll);
      h.waiters.clear();
    }
    wake.forEach(Runnable::run);
  }

  /** Here, or never will be (an unknown path, a failed file): either way the read can go ahead and say so. */
  @Override
  public boolean here(String path, long offset) {
    Held h = files.get(path);
    if (h == null || h.failure != null) {
      return true;
    }
    int index = index(h, offset);
    return index < 0 || h.has(index);
  }

  @Override
  public Runnable await(String path, long offset, Runnable ready) {
    Held h = files.get(path);
    int index = h == null ? -1 : index(h, offset);
    if (h == null || index < 0) {
      ready.run();
      return () -> { };
    }
    synchronized (h) {
      if (!h.here.get(index) && h.failure == null) {
        h.waiters.computeIfAbsent(index, i -> new ArrayList<>()).add(ready);
      } else {
        h = null;
      }
    }
    if (h == null) {
      ready.run();
      return () -> { };
    }
    demand.accept(path, index);
    Held held = h;
    return () -> {
      synchronized (held) {
        List<Runnable> list = held.waiters.get(index);
        if (list != null) {
          list.remove(ready);
          if (list.isEmpty()) {
            held.waiters.remove(index);
          }
        }
      }
    };
  }

  /** The chunk index at {@code offset}, or -1 when no chunk of the file starts there. */
  private static int index(Held h, long offset) {
    long cs = h.manifest.chunkSize();
    if (offset < 0 || offset % cs != 0 || offset / cs >= h.manifest.chunkCount()) {
      return -1;
    }
    return (int) (offset / cs);
  }

  private static void run(List<Runnable> wake) {
    if (wake != null) {
      wake.forEach(Runnable::run);
    }
  }
}
