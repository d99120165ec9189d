package io.shardline.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 17: the demo's config holds the operator token; nobody else may read it or redirect its write. */
@Timeout(120)
class DemoConfigTest {
  @TempDir
  Path tmp;

  @Test
  void theConfigIsPrivateAndNothingPlantedIsFollowed() throws Exception {
    Path a = DemoCommand.writePrivateConfig(new JsonObject().put("tokens", "secret"));
    Path b = DemoCommand.writePrivateConfig(new JsonObject().put("tokens", "secret"));
    try {
      assertNotEquals(a.getParent(), b.getParent(), "a fresh folder each time");
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.getParent())));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a)));
      assertEquals("secret", new JsonObject(Files.readString(a)).getString("tokens"));
    } finally {
      for (Path p : new Path[] {a, b}) {
        Files.deleteIfExists(p);
        Files.deleteIfExists(p.getParent());
      }
    }
    // a symlink planted where the demo used to write its config is left alone
    Path dir = Files.createDirectories(tmp.resolve("demo"));
    Path victim = Files.writeString(tmp.resolve("victim.txt"), "precious");
    Files.createSymbolicLink(dir.resolve("gateway.json"), victim);
    int code = new CommandLine(new DemoCommand()).execute("--dir", dir.toString(), "--shards", "1", "--shard-size", "1MiB");
    assertEquals(0, code);
    assertEquals("precious", Files.readString(victim));
    assertFalse(Files.isRegularFile(dir.resolve("gateway.json"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }
}
