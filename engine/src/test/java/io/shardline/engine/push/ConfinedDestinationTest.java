package io.shardline.engine.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The names a pusher lists are not trusted: none may write outside the served tree. */
class ConfinedDestinationTest {
  @TempDir
  Path tmp;

  private FileManifest named(String name) {
    return TestFiles.manifest(name, name, new byte[100], 4096);
  }

  @Test
  void namesThatEscapeOrPassThroughASymlinkOutAreRefused() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("served")).toRealPath();
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path folder = ConfinedDestination.folder(root, "ckpt");
    Files.createSymbolicLink(folder.resolve("sub"), outside);
    Files.createSymbolicLink(folder.resolve("alias.bin"), outside.resolve("x.bin"));
    ConfinedDestination d = new ConfinedDestination(root, folder);
    for (String bad : new String[] {"../evil", "a/../../evil", "/etc/evil", "sub/evil", "alias.bin", ".shardline/x"}) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> d.open(named(bad)), bad);
      assertEquals(ErrorCode.BAD_PATH, e.code(), bad + ": " + e.getMessage());
    }
    d.open(named("fine/deeper.bin")); // opens nothing yet
  }
}
