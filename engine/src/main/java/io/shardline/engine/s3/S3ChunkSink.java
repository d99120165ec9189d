package io.shardline.engine.s3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.AbstractChunkSink;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.zip.CRC32C;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One file received into an object store: one multipart upload, one part per chunk (part
 * {@code i + 1} is chunk {@code i}; parts may be uploaded in any order, and every part but the
 * last is a full chunk of at least {@link S3Destination#MIN_PART_BYTES}). Each part is sent with
 * the CRC32C of its bytes ({@code x-amz-checksum-crc32c}), which the store checks on receipt.
 * Nothing is visible under the key until {@link #publish} completes the upload, after the root
 * check; a root that does not match aborts the upload.
 *
 * <p>Resume needs no local journal: {@link #prepare()} finds the key's newest upload and lists its
 * parts ({@code ListParts}); a part counts as verified when its size is the chunk's and the
 * store lists its CRC32C equal to the manifest's (stores that list no part checksums get every
 * part again). A published object is recognised by its checksum: the store's composite CRC32C of
 * the parts, as computed from the manifest. {@link #abort()} keeps the upload for a re-run;
 * {@link #discard()} aborts it. Blocking: call from worker threads; {@link #write} may run
 * concurrently for different chunks.
 */
final class S3ChunkSink extends AbstractChunkSink {
  private final S3Client s3;
  private final S3Location root;
  private final String key;
  private final String where;
  private volatile String uploadId;
  private AtomicReferenceArray<String> etags;
  private boolean alreadyComplete;

  S3ChunkSink(S3Client s3, S3Location root, String key, String where, FileManifest manifest) {
    super(manifest);
    this.s3 = s3;
    this.root = root;
    this.key = key;
    this.where = where;
    this.etags = new AtomicReferenceArray<>(manifest.chunkCount());
  }

  @Override
  public Constraints constraints() {
    return new Constraints(true, S3Destination.MIN_PART_BYTES, true);
  }

  /** The multipart upload parts go to, or null before the first part (and after publish or discard). */
  String uploadId() {
    return uploadId;
  }

  @Override
  public boolean hasPartialState() {
    return !uploads().isEmpty();
  }

  /** The key's unfinished multipart uploads, newest first. */
  private List<MultipartUpload> uploads() {
    List<MultipartUpload> out = new ArrayList<>();
    try {
      for (MultipartUpload u : s3.listMultipartUploadsPaginator(b -> b.bucket(root.bucket()).prefix(key)).uploads()) {
        if (u.key().equals(key)) {
          out.add(u);
        }
      }
    } catch (SdkException e) {
      throw S3Errors.of(e, "listing the multipart uploads of " + target(), where, ErrorCode.DESTINATION_ERROR);
    }
    out.sort(Comparator.comparing(MultipartUpload::initiated, Comparator.nullsFirst(Comparator.naturalOrder()))
        .reversed());
    return out;
  }

  @Override
  public BitSet prepare() {
    FileManifest m = manifest();
    BitSet ok = new BitSet(m.chunkCount());
    if (m.streamed()) {
      return ok; // no CRCs to check parts against (the pull lists a file with an upload again first)
    }
    if (publishedMatches(m)) {
      alreadyComplete = true;
      ok.set(0, m.chunkCount());
      return ok;
    }
    List<MultipartUpload> ups = uploads();
    if (ups.isEmpty() || m.chunkCount() == 0) {
      return ok;
    }
    String id = ups.get(0).uploadId();
    try {
      for (Part p : s3.listPartsPaginator(b -> b.bucket(root.bucket()).key(key).uploadId(id)).parts()) {
        int i = p.partNumber() - 1;
        if (i >= 0 && i < m.chunkCount() && p.size() != null && p.size() == m.chunkLength(i)
            && crc32c(m.chunkCrcs()[i]).equals(p.checksumCRC32C())) {
          ok.set(i);
          etags.set(i, p.eTag());
        }
      }
    } catch (SdkException e) {
      throw S3Errors.of(e, "listing the parts of upload " + id + " of " + target(), where, ErrorCode.DESTINATION_ERROR);
    }
    uploadId = id; // the parts not verified are uploaded again (a part number uploaded again replaces it)
    return ok;
  }

  /** Whether the object under the key is this manifest's file: same size, and the store's CRC32C of it is the manifest's. */
  private boolean publishedMatches(FileManifest m) {
    HeadObjectResponse head;
    try {
      head = s3.headObject(b -> b.bucket(root.bucket()).key(key).checksumMode(ChecksumMode.ENABLED));
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw S3Errors.of(e, "checking " + target(), where, ErrorCode.DESTINATION_ERROR);
    } catch (SdkException e) {
      throw S3Errors.of(e, "checking " + target(), where, ErrorCode.DESTINATION_ERROR);
    }
    return head.contentLength() != null && head.contentLength() == m.size()
        && objectChecksum(m).equals(head.checksumCRC32C());
  }

  /**
   * The CRC32C an object store reports for this file uploaded as one part per chunk: the CRC32C of
   * the chunk CRCs (big-endian), then "-" and the part count (S3's composite checksum); for an
   * empty file (one plain PUT), the CRC32C of nothing.
   */
  static String objectChecksum(FileManifest m) {
    if (m.chunkCount() == 0) {
      return crc32c(0);
    }
    ByteBuffer all = ByteBuffer.allocate(4 * m.chunkCount());
    for (int c : m.chunkCrcs()) {
      all.putInt(c);
    }
    CRC32C crc = new CRC32C();
    crc.update(all.array());
    return crc32c((int) crc.getValue()) + "-" + m.chunkCount();
  }

  /** A CRC32C as S3 writes it: base64 of its four bytes, big-endian. */
  static String crc32c(int crc) {
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt(crc).array());
  }

  @Override
  public boolean alreadyComplete() {
    return alreadyComplete;
  }

  @Override
  public void skipComplete() {
    // nothing to remove: an upload found next to a complete object is left to its owner
  }

  private synchronized String ensureUpload() {
    if (uploadId == null) {
      try {
        uploadId = s3.createMultipartUpload(b -> b.bucket(root.bucket()).key(key)
            .checksumAlgorithm(ChecksumAlgorithm.CRC32_C)).uploadId();
      } catch (SdkException e) {
        throw S3Errors.of(e, "starting the upload of " + target(), where, ErrorCode.DESTINATION_ERROR);
      }
    }
    return uploadId;
  }

  /** Uploads chunk {@code index} as part {@code index + 1}, with its CRC32C for the store to check. */
  @Override
  public void write(int index, ByteBuf data) {
    FileManifest m = manifest();
    int len = m.chunkLength(index);
    if (data.readableBytes() != len) {
      throw new IllegalArgumentException("chunk " + index + " has " + data.readableBytes() + " bytes");
    }
    String id = ensureUpload();
    int crc = Crc32c.of(data);
    ByteBuf bytes = data.slice();
    try {
      String etag = s3.uploadPart(b -> b.bucket(root.bucket()).key(key).uploadId(id).partNumber(index + 1)
              .contentLength((long) len).checksumCRC32C(crc32c(crc)),
          RequestBody.fromContentProvider(() -> new ByteBufInputStream(bytes.duplicate()), len,
              "application/octet-stream")).eTag();
      etags.set(index, etag);
    } catch (SdkException e) {
      throw S3Errors.of(e, "uploading part " + (index + 1) + " of " + target(), where, ErrorCode.DESTINATION_ERROR);
    }
  }

  /** Nothing to do: a part the store acknowledged is durable and found again by {@code ListParts}. */
  @Override
  public void journal(int index, int crc) {}

  @Override
  public void flushJournal() {}

  /**
   * Checks the root from {@code crcs}; then completes the upload (or, for an empty file, puts an
   * empty object): the object appears whole under its key, or not at all. A root that does not
   * match aborts the upload ({@code DIGEST_MISMATCH}).
   */
  @Override
  public void publish(int[] crcs, byte[] hashes) {
    FileManifest m = manifest();
    checkRoot(crcs, hashes, this::discard, "; its multipart upload was aborted");
    try {
      if (m.chunkCount() == 0) {
        s3.putObject(b -> b.bucket(root.bucket()).key(key).checksumCRC32C(crc32c(0)), RequestBody.empty());
        return;
      }
      String id = ensureUpload();
      List<CompletedPart> parts = new ArrayList<>(m.chunkCount());
      for (int i = 0; i < m.chunkCount(); i++) {
        String etag = etags.get(i);
        if (etag == null) {
          throw new IllegalStateException("part " + (i + 1) + " of " + target() + " was never uploaded");
        }
        parts.add(CompletedPart.builder().partNumber(i + 1).eTag(etag).checksumCRC32C(crc32c(crcs[i])).build());
      }
      s3.completeMultipartUpload(b -> b.bucket(root.bucket()).key(key).uploadId(id)
          .multipartUpload(u -> u.parts(parts)));
      uploadId = null;
    } catch (SdkException e) {
      throw S3Errors.of(e, "completing the upload of " + target(), where, ErrorCode.DESTINATION_ERROR);
    }
  }

  /** Keeps the upload and its parts for a re-run. */
  @Override
  public void abort() {}

  /** Aborts the multipart upload, if one was started or found: its parts are deleted. Blocking. */
  void discard() {
    String id;
    synchronized (this) {
      id = uploadId;
      uploadId = null;
    }
    if (id != null) {
      try {
        s3.abortMultipartUpload(b -> b.bucket(root.bucket()).key(key).uploadId(id));
      } catch (SdkException e) {
        throw S3Errors.of(e, "aborting upload " + id + " of " + target(), where, ErrorCode.DESTINATION_ERROR);
      }
    }
  }

  @Override
  public String target() {
    return "s3://" + root.bucket() + "/" + key;
  }

  @Override
  public String resumeHint() {
    String id = uploadId;
    return id == null ? "" : "the parts uploaded so far stay in multipart upload " + id + " of " + target()
        + " and a re-run resumes them (--cleanup aborts it instead)";
  }
}
