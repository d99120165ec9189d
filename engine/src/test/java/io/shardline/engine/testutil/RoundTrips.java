package io.shardline.engine.testutil;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The store round-trip soaks' shared steps: a CLI pull's JSON summary, and the way back to disk checked by SHA-256. */
public final class RoundTrips {
  private RoundTrips() {}

  /** Runs {@code pull SOURCE DEST --trust FP --json MORE...} in a child JVM; its summary (exit 0 asserted). */
  public static JsonObject pull(Path logs, Map<String, String> env, String name, String source, String dest,
      String trust, String... more) throws Exception {
    String[] args = new String[6 + more.length];
    System.arraycopy(new String[] {"pull", source, dest, "--trust", trust, "--json"}, 0, args, 0, 6);
    System.arraycopy(more, 0, args, 6, more.length);
    try (CliChild pull = CliChild.start(logs.resolve(name + ".log"), env, args)) {
      assertEquals(0, pull.await(1800), pull.output());
      return new JsonObject(pull.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    }
  }

  /**
   * Pulls {@code big.bin} from the serve whose banner is {@code portFp} into {@code tmp/back},
   * asserts its SHA-256 is {@code sha} and prints the time ({@code what} names the store).
   */
  public static void back(Path tmp, String what, String[] portFp, byte[] sha, long size) throws Exception {
    Path dest = tmp.resolve("back");
    long t0 = System.nanoTime();
    JsonObject down = pull(tmp, Map.of(), "down", "shardline://127.0.0.1:" + portFp[0] + "/big.bin", dest.toString(),
        portFp[1]);
    double seconds = (System.nanoTime() - t0) / 1e9;
    try (InputStream in = Files.newInputStream(dest.resolve("big.bin"))) {
      assertArrayEquals(sha, TestFiles.sha256(in), "the copy that came back is the original");
    }
    System.out.printf("%s round trip, %d MiB: out of serve --root %s %.1f s wall (manifest summed on the way),"
        + " %.1f MB/s by the pull's clock%n", what, size >> 20, what.toLowerCase(java.util.Locale.ROOT) + "://",
        seconds, down.getLong("bytes") / down.getDouble("seconds") / 1e6);
  }
}
