package io.shardline.engine.s3;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.tensor.DTypeMap;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link ChunkSource} over the objects under an S3 prefix ({@code serve --root s3://BUCKET/PREFIX}).
 * LIST: the object at the path, or every object below it ({@code ListObjectsV2} by prefix, keys
 * that are not safe relative names skipped); manifests are computed once per object version
 * (ETag, size, last-modified) with one full GET and kept in the {@link ManifestCache} like a local
 * file's. GET: one ranged {@code GetObject} per chunk with {@code If-Match} on the version opened,
 * checked against the manifest's CRC32C, so a replaced object is {@code SOURCE_CHANGED}, never
 * shipped. Lanes read chunks concurrently on the server's disk workers, so several ranged GETs are
 * in flight per lane. Every method blocks (HTTP): call from worker threads. Objects are served
 * untyped (no safetensors header is read from a store yet).
 */
public final class S3ChunkSource implements ChunkSource {
  private static final Logger LOG = LoggerFactory.getLogger(S3ChunkSource.class);
  /** Bytes per read while summing an object. */
  private static final int SUM_BUFFER = 1 << 20;

  private final S3Client s3;
  private final S3Location root;
  private final String where;
  private final ManifestCache cache;
  private final int maxFiles;
  /** The ETag each listed object version had, by path, size and time: open() checks the object is still it. */
  private final Cache<String, String> listedEtags = Caffeine.newBuilder().maximumSize(200_000).build();

  /**
   * @param where the endpoint, for messages
   * @param cache where manifests are kept (memory and the node's state dir)
   */
  public S3ChunkSource(S3Client s3, S3Location root, String where, ManifestCache cache, int maxFiles) {
    this.s3 = s3;
    this.root = root;
    this.where = where;
    this.cache = cache;
    this.maxFiles = maxFiles;
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

  /** One object as listed: its path under the root, the name the client gives it, its version. */
  private record Listed(String path, String name, long size, String etag, Instant modified) {}

  @Override
  public List<FileManifest> list(String rel, int chunkSize) throws IOException {
    String problem = rel.isEmpty() ? null : S3Names.problem(rel);
    if (problem != null) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "/" + rel + " is not a path under " + root + ": " + problem);
    }
    String key = root.key(rel);
    List<Listed> objects = new ArrayList<>();
    if (!rel.isEmpty()) {
      HeadObjectResponse head = head(key, "listing");
      if (head != null) {
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        objects.add(new Listed(rel, name, head.contentLength(), head.eTag(), head.lastModified()));
      }
    }
    if (objects.isEmpty()) {
      String below = key.isEmpty() ? "" : key + "/";
      try {
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(root.bucket()).prefix(below)).contents()) {
          String name = o.key().substring(below.length());
          String bad = S3Names.problem(name);
          if (bad != null) {
            if (!name.endsWith("/")) {
              LOG.debug("not listing {}/{}: {}", root, o.key(), bad); // folder markers end with '/'
            }
            continue;
          }
          objects.add(new Listed(rel.isEmpty() ? name : rel + "/" + name, name, o.size(), o.eTag(), o.lastModified()));
          if (objects.size() > maxFiles) {
            throw new ShardlineException(ErrorCode.BAD_REQUEST, "/" + rel + " holds more than " + maxFiles
                + " objects (server limit)");
          }
        }
      } catch (SdkException e) {
        throw S3Errors.of(e, "listing " + root.resolve(rel), where, ErrorCode.IO_ERROR);
      }
      if (objects.isEmpty()) {
        throw new ShardlineException(ErrorCode.NOT_FOUND, "no object or prefix /" + rel + " under " + root);
      }
      objects.sort(Comparator.comparing(Listed::path));
    }
    List<FileManifest> out = new ArrayList<>(objects.size());
    for (Listed o : objects) {
      out.add(manifest(o, chunkSize));
    }
    return out;
  }

  private FileManifest manifest(Listed o, int chunkSize) throws IOException {
    String etag = unquote(o.etag());
    long mtime = o.modified().getEpochSecond() * 1000; // stores differ in sub-second precision between LIST and HEAD
    String key = root.key(o.path());
    listedEtags.put(o.path() + "|" + o.size() + "|" + mtime, etag);
    ManifestCache.Sums sums = cache.sums(root.bucket() + "/" + key + "|" + etag + "|" + mtime, o.size(), chunkSize,
        () -> sum(key, etag, o.size(), chunkSize));
    return new FileManifest(o.path(), o.name(), o.size(), mtime, chunkSize, sums.crcs(), sums.root());
  }

  /** The CRC32C of every chunk of one object version: one streamed GET. */
  private int[] sum(String key, String etag, long size, int chunkSize) throws IOException {
    int[] crcs = new int[FileManifest.chunkCount(size, chunkSize)];
    if (size == 0) {
      return crcs;
    }
    byte[] buf = new byte[SUM_BUFFER];
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(root.bucket()).key(key)
        .ifMatch(quote(etag)))) {
      CRC32C crc = new CRC32C();
      long pos = 0;
      int chunk = 0;
      while (pos < size) {
        int want = (int) Math.min(buf.length, Math.min(size - pos, (long) (chunk + 1) * chunkSize - pos));
        int n = in.read(buf, 0, want);
        if (n < 0) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, root + "/" + key + " ended at " + pos
              + " bytes while it was summed; it was listed with " + size);
        }
        crc.update(buf, 0, n);
        pos += n;
        if (pos == (long) (chunk + 1) * chunkSize || pos == size) {
          crcs[chunk++] = (int) crc.getValue();
          crc.reset();
        }
      }
    } catch (SdkException e) {
      throw S3Errors.of(e, "reading " + root.bucket() + "/" + key + " for its manifest", where, ErrorCode.IO_ERROR);
    }
    return crcs;
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
  public Handle open(String rel, FileManifest expected) throws IOException {
    String problem = S3Names.problem(rel);
    if (problem != null) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "/" + rel + " is not a path under " + root + ": " + problem);
    }
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
  private final class S3Handle implements Handle {
    private final String rel;
    private final String key;
    private final String etag;
    private final long size;
    private final FileManifest expected;
    private final DTypeMap map;
    private volatile boolean closed;

    S3Handle(String rel, String key, String etag, long size, FileManifest expected) {
      this.rel = rel;
      this.key = key;
      this.etag = etag;
      this.size = size;
      this.expected = expected;
      this.map = DTypeMap.bytes(size);
    }

    @Override
    public String path() {
      return rel;
    }

    @Override
    public FileManifest manifest() {
      return expected;
    }

    @Override
    public Chunk read(long offset, int length, ByteBufAllocator alloc) throws IOException {
      if (closed) {
        throw new ShardlineException(ErrorCode.IO_ERROR, "/" + rel + " was closed on the server");
      }
      int index = -1;
      if (expected != null) {
        int cs = expected.chunkSize();
        if (offset % cs != 0 || offset / cs >= expected.chunkCount() || expected.chunkLength((int) (offset / cs)) != length) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST, "range " + offset + "+" + length + " of /" + rel
              + " is not a chunk of its manifest (chunk size " + cs + ")");
        }
        index = (int) (offset / cs);
      }
      if (offset < 0 || length <= 0 || offset + length > size) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, "range " + offset + "+" + length + " of /" + rel
            + " is outside its " + size + " bytes");
      }
      ByteBuf buf = alloc.directBuffer(length, length);
      try {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(root.bucket()).key(key)
            .range("bytes=" + offset + "-" + (offset + length - 1)).ifMatch(quote(etag)))) {
          Long got = in.response().contentLength();
          if (got != null && got != length) {
            throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + ": the store answered " + got
                + " bytes for range " + offset + "+" + length);
          }
          fill(in, buf, length, offset);
        } catch (NoSuchKeyException e) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " was removed since it was opened", e);
        } catch (SdkException e) {
          throw S3Errors.of(e, "reading /" + rel + " at offset " + offset, where, ErrorCode.IO_ERROR);
        }
        int crc = Crc32c.of(buf);
        if (index >= 0 && !expected.streamed() && crc != expected.chunkCrcs()[index]) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed since its manifest was made"
              + " (chunk " + index + ": CRC32C " + String.format("%08x", crc) + ", listed "
              + String.format("%08x", expected.chunkCrcs()[index]) + ")");
        }
        return new Chunk(buf, crc, map.segments(offset, length));
      } catch (IOException | RuntimeException e) {
        buf.release();
        throw e;
      }
    }

    private void fill(InputStream in, ByteBuf buf, int length, long offset) throws IOException {
      while (buf.writerIndex() < length) {
        int n = buf.writeBytes(in, length - buf.writerIndex());
        if (n < 0) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + ": the store's answer for range "
              + offset + "+" + length + " ended after " + buf.writerIndex() + " bytes");
        }
      }
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
