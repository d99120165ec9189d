package io.shardline.engine.s3;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;

/** The destination contract against Adobe's S3Mock; skipped only when its jar could not be had. */
class S3MockDestinationTest extends S3DestinationContract {
  @BeforeAll
  static void startStore() throws Exception {
    assumeTrue(S3TestServer.available(S3TestServer.Kind.S3MOCK), "no S3Mock jar in target/s3-servers");
    start(S3TestServer.Kind.S3MOCK);
  }

  @Override
  S3TestServer.Kind kind() {
    return S3TestServer.Kind.S3MOCK;
  }

  @Override
  boolean listsPartChecksums() {
    return true;
  }
}
