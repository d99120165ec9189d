package io.shardline.engine.s3;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.buffer.ByteBuf;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.CheckedHandle;
import io.shardline.engine.storage.RemoteChunkSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
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
 * object is {@code SOURCE_CHANGED}, never shipped. Lanes read chunks concurrently on the server's
 * disk workers, so several ranged GETs are in flight per lane. Every method blocks (HTTP): call
 * from worker threads. Objects are served untyped (no safetensors header is read from a store yet).
 */
public final class S3ChunkSource extends RemoteChunkSource {
  private final S3Client s3;
  private final S3Location root;
  private final String where;
  /** The ETag each listed object version had, by path, size and time: open() checks the object is still it. */
  private final Cache<String, String> listedEtags = Caffeine.newBuilder().maximumSize(200_000).build();

  /**
   * @param where the endpoint, for messages
   * @param cache where manifests are kept (memory and the node's state dir)
   */
  public S3ChunkSource(S3Client s3, S3Location root, String where, ManifestCache cache, int maxFiles) {
    super(root.toString(), cache, maxFiles, "objects");
    this.s3 = s3;
    this.root = root;
    this.where = where;
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
  protected int[] sum(Listed o, int chunkSize) throws IOException {
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

  /** One object version being served: ranged GETs with {@code If-Match} on its ETag. */
  private final class S3Handle extends CheckedHandle {
    private final String key;
    private final String etag;

    S3Handle(String rel, String key, String etag, long size, FileManifest expected) {
      super(rel, size, expected);
      this.key = key;
      this.etag = etag;
    }

    @Override
    protected void fill(ByteBuf buf, long offset, int length) throws IOException {
      try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(root.bucket()).key(key)
          .range("bytes=" + offset + "-" + (offset + length - 1)).ifMatch(quote(etag)))) {
        Long got = in.response().contentLength();
        if (got != null && got != length) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + path() + ": the store answered " + got
              + " bytes for range " + offset + "+" + length);
        }
        fill(in, buf, length, offset);
      } catch (NoSuchKeyException e) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + path() + " was removed since it was opened", e);
      } catch (SdkException e) {
        throw S3Errors.of(e, "reading /" + path() + " at offset " + offset, where, ErrorCode.IO_ERROR);
      }
    }

    private void fill(InputStream in, ByteBuf buf, int length, long offset) throws IOException {
      while (buf.writerIndex() < length) {
        int n = buf.writeBytes(in, length - buf.writerIndex());
        if (n < 0) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + path() + ": the store's answer for range "
              + offset + "+" + length + " ended after " + buf.writerIndex() + " bytes");
        }
      }
    }
  }
}
