package io.shardline.gateway.config;

import io.shardline.engine.hdfs.HdfsLocation;
import io.shardline.engine.s3.S3Clients;
import io.shardline.engine.s3.S3Location;
import java.net.URI;

/**
 * An object store or file system in the config: the objects under an S3 prefix (an S3-compatible
 * store at {@code endpoint}, or AWS itself) or the files under an HDFS path. As a destination,
 * jobs write below it at their destination path ({@code "destination": "ckpts:step-100"}); as a
 * remote, jobs read below it at their source path ({@code "source": "bucket:step-100"}). The
 * credentials are never here nor in a job: S3's come from the gateway's environment or
 * {@code ~/.aws/credentials} (the AWS SDK's default chain), HDFS's Hadoop settings from
 * {@code HADOOP_CONF_DIR}.
 *
 * @param location {@code s3://BUCKET/PREFIX} or {@code hdfs://NAMENODE:PORT/PATH}, checked
 * @param endpoint an S3-compatible store's URL (path-style), null for AWS or for HDFS
 * @param region the S3 region, null for the SDK's default (us-east-1 with an endpoint)
 */
public record Store(String name, String location, URI endpoint, String region) {
  public enum Kind { S3, HDFS }

  public Kind kind() {
    return S3Location.isS3(location) ? Kind.S3 : Kind.HDFS;
  }

  /** The S3 prefix (for an S3 destination). */
  public S3Location s3() {
    return S3Location.parse(location);
  }

  /** The HDFS path (for an HDFS destination). */
  public HdfsLocation hdfs() {
    return HdfsLocation.parse(location);
  }

  /** The S3 client's settings: this destination's endpoint and region, credentials from the default chain. */
  public S3Clients.Config s3Config() {
    return new S3Clients.Config(endpoint, region, null);
  }

  /** Checks a store as the config file gives it at {@code where}; a ConfigException names what is wrong. */
  static Store of(String where, String name, String location, String endpoint, String region) {
    try {
      if (S3Location.isS3(location)) {
        S3Location.parse(location);
      } else if (HdfsLocation.isHdfs(location)) {
        HdfsLocation.parse(location);
        if (endpoint != null || region != null) {
          throw new ConfigException(where + ": endpoint and region are for s3 stores");
        }
      } else {
        throw new ConfigException(where + ".s3 must be s3://BUCKET/PREFIX, " + where + ".hdfs hdfs://NAMENODE:PORT/PATH");
      }
      return new Store(name, location, endpoint == null ? null : S3Clients.endpoint(endpoint), region);
    } catch (ConfigException e) {
      throw e;
    } catch (RuntimeException e) { // the engine's parsers: IllegalArgumentException or a typed BAD_PATH
      throw new ConfigException(where + ": " + e.getMessage(), e);
    }
  }
}
