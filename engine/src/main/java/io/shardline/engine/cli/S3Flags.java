package io.shardline.engine.cli;

import io.shardline.engine.s3.S3Clients;
import picocli.CommandLine.Option;

/**
 * The options of an {@code s3://} source or destination, shared by {@code serve} and {@code pull}
 * (a picocli mixin). Credentials have no flag: they come from the SDK's default chain only.
 */
final class S3Flags {
  @Option(names = "--s3-endpoint", paramLabel = "URL",
      description = "s3:// only: the endpoint of an S3-compatible store (implies path-style addressing); default: AWS."
          + " Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE)"
          + " or ~/.aws/credentials, never from the command line.")
  String endpoint;

  @Option(names = "--s3-region", paramLabel = "REGION",
      description = "s3:// only: the region (default: AWS_REGION or ~/.aws/config; us-east-1 with --s3-endpoint).")
  String region;

  /** Whether any of these options was given (they only make sense with an s3:// location). */
  boolean given() {
    return endpoint != null || region != null;
  }

  /** The client's configuration; a bad endpoint is an IllegalArgumentException naming the flag. */
  S3Clients.Config config() {
    return new S3Clients.Config(endpoint == null ? null : S3Clients.endpoint(endpoint), region, null);
  }
}
