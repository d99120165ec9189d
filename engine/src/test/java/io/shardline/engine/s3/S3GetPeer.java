package io.shardline.engine.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The peer of {@link S3ReadRateBench}: what {@code aws s3 cp s3://BUCKET/KEY FILE} does with the
 * same SDK and client settings as ours ({@link S3Clients#build}): one GET of the whole object,
 * streamed to a file; timed from the request to the file's close; prints {@code seconds S}.
 * Credentials from the environment. Arguments: ENDPOINT BUCKET KEY FILE.
 */
public final class S3GetPeer {
  private S3GetPeer() {}

  public static void main(String[] args) throws Exception {
    try (S3Client s3 = S3Clients.build(new S3Clients.Config(URI.create(args[0]), "us-east-1", null))) {
      Path f = Path.of(args[3]);
      Files.deleteIfExists(f);
      long t0 = System.nanoTime();
      s3.getObject(b -> b.bucket(args[1]).key(args[2]), f);
      System.out.printf("seconds %.3f%n", (System.nanoTime() - t0) / 1e9);
    }
  }
}
