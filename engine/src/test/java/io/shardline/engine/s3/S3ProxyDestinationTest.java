package io.shardline.engine.s3;

import org.junit.jupiter.api.BeforeAll;

/** The destination contract against S3Proxy (filesystem backend): in every build. */
class S3ProxyDestinationTest extends S3DestinationContract {
  @BeforeAll
  static void startStore() throws Exception {
    start(S3TestServer.Kind.S3PROXY);
  }

  @Override
  S3TestServer.Kind kind() {
    return S3TestServer.Kind.S3PROXY;
  }

  @Override
  boolean listsPartChecksums() {
    return false; // S3Proxy 4.1.0 checks a part's CRC32C on upload but lists none
  }
}
