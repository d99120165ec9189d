package io.shardline.engine.error;


/** An error with a typed {@link ErrorCode}; the message is meant for an operator. */
public class ShardlineException extends RuntimeException {
  private final ErrorCode code;

  public ShardlineException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ShardlineException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public boolean retryable() {
    return code.retryable();
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }

  /** Wraps any throwable, keeping a ShardlineException as it is. */
  public static ShardlineException wrap(Throwable t, ErrorCode fallback) {
    if (t instanceof ShardlineException s) {
      return s;
    }
    if (t instanceof LinkageError) {
      // a class that failed to initialise or a native library that did not load: never heals by
      // retrying, so it fails the operation at once instead of waiting out a progress timeout
      return new ShardlineException(ErrorCode.INTERNAL, "internal error: " + t
          + (t.getCause() == null ? "" : " (caused by " + t.getCause() + ")"), t);
    }
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t instanceof java.io.IOException && !(t.getClass() == java.io.IOException.class)) {
      // e.g. NoSuchFileException, AccessDeniedException: their message is only the path
      msg = t.getClass().getSimpleName().replace("Exception", "") + ": " + msg;
    }
    return new ShardlineException(fallback, msg, t);
  }
}
