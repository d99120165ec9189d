package io.shardline.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The destination's walk and deletion: inside DST only, never through a symlink, never in .shardline/. */
class LocalTreeTest {
  @TempDir
  Path tmp;

  @Test
  void theScanFollowsNoSymlinkAndSkipsStateFolders() throws Exception {
    Path dst = Files.createDirectories(tmp.resolve("dst"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("precious.txt"), "outside");
    Files.writeString(Files.createDirectories(dst.resolve("d")).resolve("f.txt"), "12345");
    Files.createSymbolicLink(dst.resolve("linkdir"), outside);
    Files.createSymbolicLink(dst.resolve("d/linkfile"), outside.resolve("precious.txt"));
    Files.writeString(Files.createDirectories(dst.resolve(".shardline")).resolve("partial"), "state");
    Files.writeString(Files.createDirectories(dst.resolve("sub/.shardline")).resolve("journal"), "state");

    LocalTree.Scan s = LocalTree.scan(dst);
    assertEquals(Map.of("d/f.txt", 5L), s.files());
    assertEquals(Set.of("d", "sub"), s.dirs());
    assertEquals(Map.of("linkdir", "symlink", "d/linkfile", "symlink", "sub/.shardline", "state folder"), s.kept());
    assertEquals(LocalTree.Scan.empty(), LocalTree.scan(tmp.resolve("missing")));
  }

  @Test
  void deleteRemovesOnlyRegularFilesAndEmptyFoldersInside() throws Exception {
    Path dst = Files.createDirectories(tmp.resolve("dst"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("precious.txt"), "outside");
    Files.writeString(Files.createDirectories(dst.resolve("a/b")).resolve("x.bin"), "xx");
    Files.writeString(dst.resolve("y.bin"), "yyy");
    Files.createSymbolicLink(dst.resolve("via"), outside);
    Files.writeString(Files.createDirectories(dst.resolve(".shardline")).resolve("partial"), "state");

    LocalTree.Deletion d = LocalTree.delete(dst,
        List.of("a/b/x.bin", "y.bin", "via/precious.txt", "../outside/precious.txt", ".shardline/partial", "via"),
        List.of("a/b", "a"));
    assertEquals(List.of("a/b/x.bin", "y.bin"), d.files());
    assertEquals(5, d.bytes());
    assertEquals(List.of("a/b", "a"), d.dirs());
    assertEquals(Set.of("via/precious.txt", "../outside/precious.txt", ".shardline/partial", "via"), d.refused().keySet());
    assertEquals("a symlink now", d.refused().get("via"));
    assertEquals("outside", Files.readString(outside.resolve("precious.txt")), "nothing outside is touched");
    assertTrue(Files.isSymbolicLink(dst.resolve("via")), "a symlink is not deleted");
    assertEquals("state", Files.readString(dst.resolve(".shardline/partial")));
    assertFalse(Files.exists(dst.resolve("a")));
  }

  @Test
  void aFolderSwappedForASymlinkSinceTheScanIsNotDeletedThrough() throws Exception {
    Path dst = Files.createDirectories(tmp.resolve("dst"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("f.txt"), "outside");
    Files.createSymbolicLink(dst.resolve("d"), outside); // the scan saw d/ as a folder holding f.txt
    LocalTree.Deletion d = LocalTree.delete(dst, List.of("d/f.txt"), List.of("d"));
    assertEquals(List.of(), d.files());
    assertEquals(List.of(), d.dirs());
    assertEquals("outside", Files.readString(outside.resolve("f.txt")));
    assertTrue(Files.exists(dst.resolve("d"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void aNonEmptyFolderIsKept() throws Exception {
    Path dst = Files.createDirectories(tmp.resolve("dst"));
    Files.writeString(Files.createDirectories(dst.resolve("d")).resolve("new.txt"), "arrived since the scan");
    LocalTree.Deletion d = LocalTree.delete(dst, List.of(), List.of("d"));
    assertEquals(List.of(), d.dirs());
    assertEquals("not empty", d.refused().get("d"));
    assertTrue(Files.exists(dst.resolve("d/new.txt")));
  }

  @Test
  void heldReadsWhichChunksOfTheLocalFileAreTheListings() throws Exception {
    Path dst = Files.createDirectories(tmp.resolve("dst"));
    byte[] v2 = TestFiles.bytes(3 * 4096 + 10, 7);
    byte[] v1 = v2.clone();
    v1[4096 + 5] ^= 1; // chunk 1 differs
    Files.write(dst.resolve("f.bin"), v1);
    Files.write(dst.resolve("same.bin"), v2);
    FileManifest f = TestFiles.manifest("f.bin", "f.bin", v2, 4096);
    FileManifest same = TestFiles.manifest("same.bin", "same.bin", v2, 4096);
    FileManifest absent = TestFiles.manifest("absent.bin", "absent.bin", v2, 4096);
    LocalTree.Scan s = LocalTree.scan(dst);
    Map<String, SyncPlan.Held> held = LocalTree.held(dst, List.of(f, same, absent), s);
    assertEquals(Set.of("f.bin", "same.bin"), held.keySet());
    SyncPlan p = SyncPlan.of(List.of(f, same, absent), held, s, false);
    assertEquals(SyncPlan.Action.CHANGED, p.entry("f.bin").action());
    assertEquals(2 * 4096 + 10, p.entry("f.bin").bytesReused());
    assertEquals(SyncPlan.Action.SAME, p.entry("same.bin").action());
    assertEquals(SyncPlan.Action.NEW, p.entry("absent.bin").action());
  }
}
