package io.shardline.engine.s3;

import io.shardline.engine.error.Causes;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An SDK failure as one typed error naming what failed: the bucket is missing, the credentials
 * were refused, the endpoint cannot be reached, the object changed. Messages name the location
 * and the endpoint, the store's error code and request id, never a credential (the SDK's own
 * messages carry none, and no request header is ever quoted).
 */
final class S3Errors {
  private S3Errors() {}

  /**
   * {@code e} while doing {@code what} (e.g. "listing s3://b/p") against {@code where} (the
   * endpoint); {@code io} is the code for failures that may pass (IO_ERROR on the serving side,
   * DESTINATION_ERROR on the receiving side).
   */
  static ShardlineException of(SdkException e, String what, String where, ErrorCode io) {
    if (e instanceof S3Exception s) {
      String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
      int status = s.statusCode();
      String tail = " (HTTP " + status + (code == null ? "" : " " + code) + (s.requestId() == null ? ""
          : ", request id " + s.requestId()) + ")";
      if ("NoSuchBucket".equals(code) || status == 404 && what.startsWith("checking the bucket")) {
        return new ShardlineException(ErrorCode.NOT_FOUND, what + " failed: the bucket does not exist at " + where
            + tail, e);
      }
      if (status == 403 || status == 401 || "InvalidAccessKeyId".equals(code)
          || "SignatureDoesNotMatch".equals(code) || "AccessDenied".equals(code)) {
        return new ShardlineException(ErrorCode.AUTH_FAILED, what + " failed: " + where + " refused the credentials"
            + " (taken from the environment, system properties or ~/.aws/credentials)" + tail, e);
      }
      if (status == 412) {
        return new ShardlineException(ErrorCode.SOURCE_CHANGED, what + " failed: the object changed since it was"
            + " listed" + tail, e);
      }
      if ("NoSuchKey".equals(code) || status == 404) {
        return new ShardlineException(ErrorCode.NOT_FOUND, what + " failed: no such object" + tail, e);
      }
      if ("NoSuchUpload".equals(code)) {
        return new ShardlineException(io, what + " failed: the multipart upload is gone (aborted?)" + tail, e);
      }
      return new ShardlineException(io, what + " failed at " + where + ": " + Causes.firstLine(s.getMessage()) + tail, e);
    }
    if (e instanceof SdkClientException && unreachable(e)) {
      return new ShardlineException(io, what + " failed: cannot reach the S3 endpoint " + where + " ("
          + Causes.root(e) + ")", e);
    }
    return new ShardlineException(io, what + " failed at " + where + ": " + Causes.firstLine(e.getMessage()), e);
  }

  private static boolean unreachable(Throwable e) {
    return Causes.any(e, c -> c instanceof ConnectException || c instanceof UnknownHostException
        || c instanceof SocketTimeoutException || c.getClass().getSimpleName().equals("HttpHostConnectException"));
  }
}
