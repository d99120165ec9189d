package io.shardline.engine.s3;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds the S3 client of a source or destination from its options: an endpoint for an
 * S3-compatible store ({@code --s3-endpoint}, which implies path-style addressing), a region
 * ({@code --s3-region}, else the SDK's region chain: {@code AWS_REGION}, {@code ~/.aws/config};
 * with an endpoint and none found, {@code us-east-1}), and credentials only through the SDK's
 * default chain (environment, system properties, {@code ~/.aws/credentials} and its profiles,
 * container and instance roles), never from a flag, so secrets never sit on a command line.
 *
 * <p>The client is the SDK's synchronous one over Apache HttpClient 5, called from worker
 * threads only. Checksums: the SDK's own (CRC32 on every request body, response validation) are
 * off ({@code WHEN_REQUIRED}) because every chunk already carries its CRC32C: uploads send it as
 * {@code x-amz-checksum-crc32c}, which the store verifies, and reads are checked against the
 * manifest's.
 */
public final class S3Clients {
  /** Connections the client keeps to the store: several ranged GETs or part uploads per lane. */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;
  /** Time to connect to the store before a request fails (and is retried by the SDK). */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * What a client is built from. {@code endpoint}: null for AWS itself; {@code region}: null for the
   * SDK's chain; {@code credentials}: null for the SDK's default chain (tests pass their own).
   */
  public record Config(URI endpoint, String region, AwsCredentialsProvider credentials) {
    /** The endpoint as written in messages (no credentials are ever part of it). */
    public String where() {
      return endpoint == null ? "AWS S3" : endpoint.toString();
    }
  }

  private S3Clients() {}

  /** Checks an {@code --s3-endpoint} value: an http or https URL with a host and nothing else. */
  public static URI endpoint(String url) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--s3-endpoint " + url + " is not a URL");
    }
    if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
        || u.getHost() == null) {
      throw new IllegalArgumentException("--s3-endpoint must be an http:// or https:// URL with a host, got " + url);
    }
    if (u.getUserInfo() != null || u.getQuery() != null) {
      throw new IllegalArgumentException("--s3-endpoint takes no user, password or query (credentials come from the"
          + " environment or ~/.aws/credentials)");
    }
    return u;
  }

  /** A new client; the caller closes it. */
  public static S3Client build(Config c) {
    var b = S3Client.builder()
        .httpClientBuilder(Apache5HttpClient.builder()
            .maxConnections(DEFAULT_MAX_CONNECTIONS)
            .connectionTimeout(DEFAULT_CONNECT_TIMEOUT))
        .credentialsProvider(c.credentials() != null ? c.credentials() : DefaultCredentialsProvider.builder().build())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .region(region(c));
    if (c.endpoint() != null) {
      b.endpointOverride(c.endpoint()).forcePathStyle(true);
    }
    return b.build();
  }

  private static Region region(Config c) {
    if (c.region() != null) {
      return Region.of(c.region());
    }
    try {
      // a compatible store: the environment and ~/.aws/config only (an instance's metadata
      // service is not asked: it is not where a private store's region would be)
      return c.endpoint() != null
          ? new AwsRegionProviderChain(new SystemSettingsRegionProvider(), new AwsProfileRegionProvider()).getRegion()
          : DefaultAwsRegionProviderChain.builder().build().getRegion();
    } catch (RuntimeException e) {
      if (c.endpoint() != null) {
        return Region.US_EAST_1; // a compatible store: most ignore the region, the signature needs one
      }
      throw new IllegalArgumentException("no AWS region is set: pass --s3-region, or set AWS_REGION or a region in"
          + " ~/.aws/config");
    }
  }
}
