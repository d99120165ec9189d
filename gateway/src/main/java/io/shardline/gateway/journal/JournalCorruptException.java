package io.shardline.gateway.journal;

/** The journal holds damage that is not a torn last write: the gateway refuses to guess. */
public final class JournalCorruptException extends RuntimeException {
  public JournalCorruptException(String message) {
    super(message);
  }
}
