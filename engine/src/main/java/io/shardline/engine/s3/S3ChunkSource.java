package io.shardline.engine.s3;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.CheckedHandle;
import io.shardline.engine.storage.RemoteChunkSource;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A chunk source over the objects under an S3 prefix ({@code serve --root s3://BUCKET/PREFIX}), a
 * {@link RemoteChunkSource}. LIST: the object at the path, or every object below it
 * ({@code ListObjectsV2} by prefix); manifests are computed once per object version (ETag, size,
 * last-modified) with one full GET. GET: one ranged {@code GetObject} per chunk with
 * {@code If-Match} on the version opened, checked against the manifest's CRC32C, so a replaced
 * object is {@code SOURCE_CHANGED}, never shipped. The chunks after each one asked for are read
 * ahead ({@link S3ReadAhead}): runs of consecutive chunks, one ranged GET each, several runs in
 * flight per object, at most {@link #READ_AHEAD_BYTES} held per source, every chunk still checked
 * against the manifest. Every method blocks (HTTP): call from worker threads. Objects are served untyped (no safetensors header is read from a store yet).
 */
public final class S3ChunkSource extends RemoteChunkSource {
  /** Bytes of chunks read ahead and not yet asked for, for all handles of a source. */
  static final int READ_AHEAD_BYTES = 128 << 20;
  /** Threads that run read-ahead GETs (they block on the store). */
  static final int READ_AHEAD_THREADS = 8;

  private final S3Client s3;
  private final S3Location root;
  private final String where;
  private final Semaphore readAheadBudget;
  private final ThreadPoolExecutor readAheadThreads;
  /** The ETag each listed object version had, by path, size and time: open() checks the object is still it. */
  private final Cache<String, String> listedEtags = Caffeine.newBuilder().maximumSize(200_000).build();

  /**
   * @param where the endpoint, for messages
   * @param cache where manifests are kept (memory and the node's state dir)
   */
  public S3ChunkSource(S3Client s3, S3Location root, String where, ManifestCache cache, int maxFiles) {
    this(s3, root, where, cache, maxFiles, READ_AHEAD_BYTES);
  }

  /** @param readAheadBytes bytes of chunks read ahead and not yet asked for, at most (0: none) */
  S3ChunkSource(S3Client s3, S3Location root, String where, ManifestCache cache, int maxFiles, int readAheadBytes) {
    super(root.toString(), cache, maxFiles, "objects");
    this.readAheadBudget = new Semaphore(readAheadBytes);
    this.s3 = s3;
    this.root = root;
    this.where = where;
    AtomicInteger n = new AtomicInteger();
    this.readAheadThreads = new ThreadPoolExecutor(READ_AHEAD_THREADS, READ_AHEAD_THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "shardline-s3-read-ahead-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    readAheadThreads.allowCoreThreadTimeOut(true); // idle sources hold no threads
  }

  /**
   * Checks that the root can be listed (one {@code ListObjectsV2} of a single key): the bucket
   * exists, the credentials are accepted and the endpoint answers. Exists so {@code serve} fails
   * at start with one clear error instead of at a client's first LIST.
   */
  public void check() {
    try {
      s3.listObjectsV2(b -> b.bucket(root.bucket()).prefix(root.prefix()).maxKeys(1));
    } catch (SdkException e) {
      throw S3Errors.of(e, "checking the bucket of " + root, where, ErrorCode.IO_ERROR);
    }
  }

  @Override
  protected String problem(String name) {
    return S3Names.problem(name);
  }

  /** A HEAD of the key first (a path that is an object), else a {@code ListObjectsV2} of the prefix below it. */
  @Override
  protected List<Listed> listed(String rel) {
    String key = root.key(rel);
    if (!rel.isEmpty()) {
      HeadObjectResponse head = head(key, "listing");
      if (head != null) {
        return List.of(listedVersion(file(rel, head.contentLength(), millis(head), unquote(head.eTag()))));
      }
    }
    String below = key.isEmpty() ? "" : key + "/";
    Below found = below(rel);
    try {
      for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(root.bucket()).prefix(below)).contents()) {
        found.add(o.key().substring(below.length()), o.size(), o.lastModified().getEpochSecond() * 1000,
            unquote(o.eTag()));
      }
    } catch (SdkException e) {
      throw S3Errors.of(e, "listing " + root.resolve(rel), where, ErrorCode.IO_ERROR);
    }
    if (found.isEmpty()) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "no object or prefix /" + rel + " under " + root);
    }
    List<Listed> out = found.sorted();
    out.forEach(this::listedVersion);
    return out;
  }

  /** Stores differ in sub-second precision between LIST and HEAD: whole seconds. */
  private static long millis(HeadObjectResponse head) {
    return head.lastModified().getEpochSecond() * 1000;
  }

  private Listed listedVersion(Listed o) {
    listedEtags.put(o.path() + "|" + o.size() + "|" + o.mtimeMillis(), o.version());
    return o;
  }

  @Override
  protected String cacheKey(Listed o) {
    return root.bucket() + "/" + root.key(o.path()) + "|" + o.version() + "|" + o.mtimeMillis();
  }

  /** One streamed GET of the version listed. */
  @Override
  protected ChunkSums.Computed sum(Listed o, int chunkSize) throws IOException {
    String key = root.key(o.path());
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(root.bucket()).key(key)
        .ifMatch(quote(o.version())))) {
      return sums(in, o.size(), chunkSize, root + "/" + key);
    } catch (SdkException e) {
      throw S3Errors.of(e, "reading " + root.bucket() + "/" + key + " for its manifest", where, ErrorCode.IO_ERROR);
    }
  }

  private HeadObjectResponse head(String key, String what) {
    try {
      return s3.headObject(b -> b.bucket(root.bucket()).key(key));
    } catch (NoSuchKeyException e) {
      return null;
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && (e.awsErrorDetails() == null || !"NoSuchBucket".equals(e.awsErrorDetails().errorCode()))) {
        return null; // HEAD has no body: a 404 names no code
      }
      throw S3Errors.of(e, what + " s3://" + root.bucket() + "/" + key, where, ErrorCode.IO_ERROR);
    } catch (SdkException e) {
      throw S3Errors.of(e, what + " s3://" + root.bucket() + "/" + key, where, ErrorCode.IO_ERROR);
    }
  }

  /**
   * Opens the object at {@code rel}: with {@code expected} (listed by this node), the version it
   * listed (its ETag), with no request; otherwise its version now (HEAD). Every ranged GET names
   * that ETag ({@code If-Match}), so a replaced object is {@code SOURCE_CHANGED} at its next read.
   */
  @Override
  protected Handle openChecked(String rel, FileManifest expected) {
    String key = root.key(rel);
    if (expected != null) {
      String listed = listedEtags.getIfPresent(rel + "|" + expected.size() + "|" + expected.mtimeMillis());
      if (listed != null) {
        // The version this node listed: no HEAD needed, every ranged GET names it (If-Match).
        return new S3Handle(rel, key, listed, expected.size(), expected);
      }
    }
    HeadObjectResponse head = head(key, "opening");
    if (head == null) {
      throw new ShardlineException(expected != null ? ErrorCode.SOURCE_CHANGED : ErrorCode.NOT_FOUND,
          "/" + rel + " is no longer an object under " + root);
    }
    String etag = unquote(head.eTag());
    if (expected != null) {
      if (head.contentLength() != expected.size()) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed since its manifest was made"
            + " (now " + head.contentLength() + " bytes, ETag " + etag + ")");
      }
    }
    return new S3Handle(rel, key, etag, head.contentLength(), expected);
  }

  private static String unquote(String etag) {
    return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
        ? etag.substring(1, etag.length() - 1) : etag;
  }

  private static String quote(String etag) {
    return "\"" + etag + "\"";
  }

  /** The body of {@code length} bytes at {@code offset} of one object version: a ranged GET with {@code If-Match}. */
  private ResponseInputStream<GetObjectResponse> range(String rel, String key, String etag, long offset, long length) {
    ResponseInputStream<GetObjectResponse> in;
    try {
      in = s3.getObject(b -> b.bucket(root.bucket()).key(key).range("bytes=" + offset + "-" + (offset + length - 1))
          .ifMatch(quote(etag)));
    } catch (NoSuchKeyException e) {
      throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " was removed since it was opened", e);
    } catch (SdkException e) {
      throw S3Errors.of(e, "reading /" + rel + " at offset " + offset, where, ErrorCode.IO_ERROR);
    }
    Long got = in.response().contentLength();
    if (got != null && got != length) {
      in.abort();
      throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + ": the store answered " + got
          + " bytes for range " + offset + "+" + length);
    }
    return in;
  }

  /**
   * One object version being served: ranged GETs with {@code If-Match} on its ETag. With a manifest,
   * the chunks after each one asked for are read ahead ({@link S3ReadAhead}: runs of chunks, one GET
   * each, several in flight), within the source's read-ahead budget.
   */
  private final class S3Handle extends CheckedHandle {
    private final String key;
    private final String etag;
    private final S3ReadAhead readAhead;

    S3Handle(String rel, String key, String etag, long size, FileManifest expected) {
      super(rel, size, expected);
      this.key = key;
      this.etag = etag;
      this.readAhead = expected == null ? null : new S3ReadAhead(expected,
          (offset, length) -> range(rel, key, etag, offset, length), readAheadThreads, readAheadBudget);
    }

    @Override
    protected ByteBuf fetch(ByteBufAllocator alloc, long offset, int length) throws IOException {
      if (readAhead != null) {
        ByteBuf ahead = readAhead.take((int) (offset / manifest().chunkSize()), alloc);
        if (ahead != null) {
          return ahead;
        }
      }
      return super.fetch(alloc, offset, length);
    }

    @Override
    protected void fill(ByteBuf buf, long offset, int length) throws IOException {
      try (ResponseInputStream<GetObjectResponse> in = range(path(), key, etag, offset, length)) {
        while (buf.writerIndex() < length) {
          int n = BodyCopy.append(in, buf, length - buf.writerIndex());
          if (n < 0) {
            throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + path() + ": the store's answer for range "
                + offset + "+" + length + " ended after " + buf.writerIndex() + " bytes");
          }
        }
      } catch (SdkException e) {
        throw S3Errors.of(e, "reading /" + path() + " at offset " + offset, where, ErrorCode.IO_ERROR);
      }
    }

    @Override
    protected void release() {
      if (readAhead != null) {
        readAhead.close();
      }
    }
  }
}
