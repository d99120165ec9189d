package io.shardline.engine.tensor;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;

/**
 * A tensor file whose header does not parse or does not add up (lengths, offsets, dtypes,
 * shapes). Code {@link ErrorCode#BAD_REQUEST}, not retryable: reading the same bytes again gives
 * the same answer. The message names the file and the first problem found.
 */
public final class TensorFormatException extends ShardlineException {
  public TensorFormatException(String message) {
    super(ErrorCode.BAD_REQUEST, message);
  }

  public TensorFormatException(String message, Throwable cause) {
    super(ErrorCode.BAD_REQUEST, message, cause);
  }
}
