package io.shardline.engine.s3;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The {@link ChunkSink.Factory} of a pull into {@code s3://BUCKET/PREFIX}: one
 * {@link S3ChunkSink} (one multipart upload) per file, under the prefix. {@link #begin()} checks
 * the bucket (it exists, the credentials are accepted, the endpoint answers) before a byte moves;
 * {@link #minChunkBytes()} makes the pull use chunks of at least S3's minimum part size. With
 * {@code cleanup}, the uploads of files that did not publish are aborted when the pull ends;
 * without, they are kept so the same command resumes them. Owns its client (closed by {@link #end}).
 * Blocking: call from a worker thread.
 */
public final class S3Destination implements ChunkSink.Factory {
  /** S3's smallest part (all parts but the last): 5 MiB. */
  public static final int MIN_PART_BYTES = 5 * 1024 * 1024;
  /** S3's most parts per upload: a file may have at most this many chunks. */
  public static final int MAX_PARTS = 10_000;

  private final Supplier<S3Client> clients;
  private final S3Location root;
  private final String where;
  private final boolean cleanup;
  private final List<S3ChunkSink> opened = new ArrayList<>();
  private S3Client s3;
  private int kept;
  private int aborted;

  /**
   * @param clients makes the client at {@link #begin()} (e.g. {@code () -> S3Clients.build(config)})
   * @param where the endpoint, for messages
   * @param cleanup abort the uploads of files that did not publish when the pull ends
   */
  public S3Destination(Supplier<S3Client> clients, S3Location root, String where, boolean cleanup) {
    this.clients = clients;
    this.root = root;
    this.where = where;
    this.cleanup = cleanup;
  }

  public S3Location root() {
    return root;
  }

  @Override
  public int minChunkBytes() {
    return MIN_PART_BYTES;
  }

  @Override
  public void begin() {
    s3 = clients.get();
    try {
      s3.headBucket(b -> b.bucket(root.bucket()));
    } catch (SdkException e) {
      throw S3Errors.of(e, "checking the bucket of " + root, where, ErrorCode.DESTINATION_ERROR);
    }
  }

  @Override
  public ChunkSink open(FileManifest m) {
    String bad = S3Names.problem(m.name());
    if (bad != null) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "server sent the file name '" + m.name() + "', which cannot go"
          + " under " + root + ": " + bad);
    }
    if (m.chunkCount() > MAX_PARTS) {
      throw new ShardlineException(ErrorCode.DESTINATION_ERROR, m.name() + " has " + m.chunkCount() + " chunks of "
          + m.chunkSize() + " bytes; an S3 upload takes at most " + MAX_PARTS + " parts: pull with a --chunk-size of at"
          + " least " + (m.size() + MAX_PARTS - 1) / MAX_PARTS + " bytes");
    }
    if (m.chunkCount() > 1 && m.chunkSize() < MIN_PART_BYTES) {
      throw new IllegalStateException("chunk size " + m.chunkSize() + " is below S3's minimum part size; the pull"
          + " must list with minChunkBytes()");
    }
    S3ChunkSink sink = new S3ChunkSink(s3, root, root.key(m.name()), where, m);
    synchronized (opened) {
      opened.add(sink);
    }
    return sink;
  }

  /** Counts (and with {@code cleanup} aborts) the uploads of files that did not publish; closes the client. */
  @Override
  public void end(List<ChunkSink> published) {
    if (s3 == null) {
      return;
    }
    Set<ChunkSink> done = Set.copyOf(published);
    List<S3ChunkSink> left;
    synchronized (opened) {
      left = opened.stream().filter(s -> !done.contains(s) && s.uploadId() != null).toList();
    }
    try {
      for (S3ChunkSink s : left) {
        if (cleanup) {
          s.discard();
          aborted++;
        } else {
          kept++;
        }
      }
    } finally {
      s3.close();
    }
  }

  /** What a failed pull left in the store, after {@link #end}, for the user. */
  public String afterFailure() {
    if (kept > 0) {
      return "the parts uploaded so far stay in " + kept + " multipart upload(s) under " + root + "; running the same"
          + " command again resumes them. To abort them instead, run it again with --cleanup.";
    }
    return (aborted > 0 ? aborted + " unfinished multipart upload(s) under " + root + " were aborted; "
        : "no unfinished multipart upload was left under " + root + "; ")
        + "nothing partial is visible there (objects appear only once complete and verified).";
  }
}
