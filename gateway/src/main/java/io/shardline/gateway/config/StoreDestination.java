package io.shardline.gateway.config;

import io.shardline.engine.hdfs.HdfsLocation;
import io.shardline.engine.s3.S3Clients;
import io.shardline.engine.s3.S3Location;
import java.net.URI;

/**
 * A destination that is not a local folder: the objects under an S3 prefix (an S3-compatible
 * store at {@code endpoint}, or AWS itself) or the files under an HDFS path. Jobs name it like any
 * destination ({@code "destination": "ckpts"}) and write below it at their destination path. The
 * credentials are never here nor in a job: S3's come from the gateway's environment or
 * {@code ~/.aws/credentials} (the AWS SDK's default chain), HDFS's Hadoop settings from
 * {@code HADOOP_CONF_DIR}.
 *
 * @param location {@code s3://BUCKET/PREFIX} or {@code hdfs://NAMENODE:PORT/PATH}, checked
 * @param endpoint an S3-compatible store's URL (path-style), null for AWS or for HDFS
 * @param region the S3 region, null for the SDK's default (us-east-1 with an endpoint)
 */
public record StoreDestination(String name, String location, URI endpoint, String region) {
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

  /** Checks a destination as the config file gives it; a ConfigException names what is wrong. */
  static StoreDestination of(String name, String location, String endpoint, String region) {
    String where = "destinations." + name;
    try {
      if (S3Location.isS3(location)) {
        S3Location.parse(location);
      } else if (HdfsLocation.isHdfs(location)) {
        HdfsLocation.parse(location);
        if (endpoint != null || region != null) {
          throw new ConfigException(where + ": endpoint and region are for s3 destinations");
        }
      } else {
        throw new ConfigException(where + ".s3 must be s3://BUCKET/PREFIX, " + where + ".hdfs hdfs://NAMENODE:PORT/PATH");
      }
      return new StoreDestination(name, location, endpoint == null ? null : S3Clients.endpoint(endpoint), region);
    } catch (ConfigException e) {
      throw e;
    } catch (RuntimeException e) { // the engine's parsers: IllegalArgumentException or a typed BAD_PATH
      throw new ConfigException(where + ": " + e.getMessage(), e);
    }
  }
}
