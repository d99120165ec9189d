package io.shardline.engine.s3;

import io.shardline.engine.storage.RemoteNames;

/**
 * Which object keys map to file names and back: {@link RemoteNames}' rule as it is (keys may
 * hold any other character). Pure.
 */
final class S3Names {
  private S3Names() {}

  /** Why {@code name} is not a usable relative name, or null if it is. */
  static String problem(String name) {
    return RemoteNames.problem(name, "", s -> null);
  }
}
