package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a server names and serves (issue 17): errors over the wire name paths under the served
 * root only, and a pull's state folders ({@code .shardline/}, when a pull's destination is inside
 * the served tree) are neither listed nor served.
 */
class ServedPathsTest extends LoopbackTestBase {
  static final int CHUNK = 64 * 1024;

  @Test
  void aDanglingSymlinksErrorNamesOnlyTheRelativePath() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 1000, 181);
    Files.createSymbolicLink(net.root.resolve("dangling"), net.root.resolve("nowhere"));
    Files.createDirectories(net.root.resolve("sub"));
    Files.createSymbolicLink(net.root.resolve("sub/loop-a"), net.root.resolve("sub/loop-b"));
    Files.createSymbolicLink(net.root.resolve("sub/loop-b"), net.root.resolve("sub/loop-a"));
    net.start();
    String root = net.root.toRealPath().toString();
    for (String bad : new String[] {"dangling", "sub/loop-a"}) {
      PullResult r = net.pull(net.options(bad, dest));
      assertFalse(r.ok(), bad);
      String errors = String.join("; ", r.errors());
      assertTrue(errors.contains("'" + bad + "' refused: cannot be resolved"), errors);
      assertFalse(errors.contains(root), "the server's root is not revealed: " + errors);
    }
    try (RawLane raw = RawLane.open(net, CHUNK)) {
      Frame.Error e = (Frame.Error) raw.get(1, "dangling", 0, CHUNK).get(15, TimeUnit.SECONDS);
      assertEquals(ErrorCode.BAD_PATH, e.code());
      assertTrue(e.message().contains("dangling"), e.message());
      assertFalse(e.message().contains(root), e.message());
    }
    PullResult all = net.pull(net.options("", dest));
    assertTrue(all.ok(), "dangling symlinks are skipped in listings: " + all.errors());
    assertEquals(1, all.files());
  }

  @Test
  void stateFoldersInTheServedTreeAreNeitherListedNorServed() throws Exception {
    Loopback.file(net.root.resolve("a.bin"), 3L * CHUNK, 182);
    // What a pull into ROOT/incoming leaves while it runs (or after it failed): partial files
    // and journals that change while a listing reads them.
    Loopback.file(net.root.resolve("incoming/b.bin"), CHUNK, 183);
    Loopback.file(net.root.resolve("incoming/.shardline/ab/ab12.part"), 2L * CHUNK, 184);
    Loopback.file(net.root.resolve("incoming/.shardline/ab/ab12.journal"), 60, 185);
    Files.writeString(net.root.resolve("incoming/.shardline/lock"), "");
    Loopback.file(net.root.resolve(".shardline/cd/cd34.part"), 100, 186);
    Files.createSymbolicLink(net.root.resolve("part-link"), net.root.resolve("incoming/.shardline/ab/ab12.part"));
    net.start();
    PullResult all = net.pull(net.options("", dest));
    assertTrue(all.ok(), all.errors()::toString);
    assertEquals(List.of("a.bin", "incoming/b.bin"), Loopback.files(dest), "only the published files are listed");
    assertFalse(Files.exists(dest.resolve("incoming/.shardline/ab/ab12.part")));
    try (RawLane raw = RawLane.open(net, CHUNK)) {
      String[] refused = {"incoming/.shardline/ab/ab12.part", "incoming/.shardline", ".shardline/cd/cd34.part",
          "part-link"};
      int id = 1;
      for (String p : refused) {
        for (boolean list : new boolean[] {false, true}) {
          Frame f = (list ? raw.list(id++, p, CHUNK) : raw.get(id++, p, 0, 100)).get(15, TimeUnit.SECONDS);
          assertTrue(f instanceof Frame.Error, p + ": " + f);
          Frame.Error e = (Frame.Error) f;
          assertEquals(ErrorCode.BAD_PATH, e.code(), e::toString);
          assertTrue(e.message().contains("is in a .shardline folder") && e.message().contains("never served"),
              e.message());
        }
      }
    }
  }
}
