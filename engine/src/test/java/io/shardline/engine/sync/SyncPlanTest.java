package io.shardline.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.sync.SyncPlan.Action;
import io.shardline.engine.testutil.TestFiles;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The sync's decision as a pure function of a hand-made listing and hand-made destination facts. */
class SyncPlanTest {
  private static final int CHUNK = 4096;

  private static FileManifest file(String name, int size, long seed) {
    return TestFiles.manifest(name, name, TestFiles.bytes(size, seed), CHUNK);
  }

  private static BitSet bits(int... set) {
    BitSet b = new BitSet();
    for (int i : set) {
      b.set(i);
    }
    return b;
  }

  private static BitSet all(FileManifest m) {
    BitSet b = new BitSet();
    b.set(0, m.chunkCount());
    return b;
  }

  private static LocalTree.Scan tree(Map<String, Long> files, Set<String> dirs, Map<String, String> kept) {
    return new LocalTree.Scan(files, dirs, kept);
  }

  @Test
  void anEmptyDestinationGetsEveryFileAsNew() {
    FileManifest a = file("a.bin", 10_000, 1);
    FileManifest b = file("d/b.txt", 5, 2);
    SyncPlan p = SyncPlan.of(List.of(a, b), Map.of(), LocalTree.Scan.empty(), true);
    assertEquals(Action.NEW, p.entry("a.bin").action());
    assertEquals(10_000, p.entry("a.bin").bytesMoved());
    assertEquals(a.rootHex(), p.entry("a.bin").digest());
    SyncPlan.Totals t = p.totals();
    assertEquals(2, t.filesNew());
    assertEquals(2, t.filesMoved());
    assertEquals(10_005, t.bytesMoved());
    assertEquals(0, t.bytesReused());
    assertEquals(List.of(), p.filesToDelete());
    assertEquals(List.of(), p.dirsToDelete());
  }

  @Test
  void aFileWhoseEveryChunkMatchesIsTheSameAndMovesNothing() {
    FileManifest a = file("a.bin", 10_000, 1);
    SyncPlan p = SyncPlan.of(List.of(a), Map.of("a.bin", new SyncPlan.Held(10_000, a.rootHex(), all(a))),
        tree(Map.of("a.bin", 10_000L), Set.of(), Map.of()), false);
    SyncPlan.Entry e = p.entry("a.bin");
    assertEquals(Action.SAME, e.action());
    assertEquals(0, e.bytesMoved());
    assertEquals(0, p.totals().filesMoved());
    assertEquals(10_000, p.totals().bytesSame());
  }

  @Test
  void aChangedFileCountsTheBytesOfItsMatchingChunksAsReused() {
    FileManifest a = file("a.bin", 3 * CHUNK + 100, 1); // chunks of 4096, 4096, 4096, 100
    // same size, chunk 1 differs: changed, 3 chunks reusable
    SyncPlan p = SyncPlan.of(List.of(a), Map.of("a.bin", new SyncPlan.Held(a.size(), a.rootHex(), bits(0, 2, 3))),
        tree(Map.of("a.bin", a.size()), Set.of(), Map.of()), false);
    SyncPlan.Entry e = p.entry("a.bin");
    assertEquals(Action.CHANGED, e.action());
    assertEquals(2L * CHUNK + 100, e.bytesReused());
    assertEquals(CHUNK, e.bytesMoved());
    // a shorter local file: every chunk it holds matches, yet it is changed (size differs)
    p = SyncPlan.of(List.of(a), Map.of("a.bin", new SyncPlan.Held(2L * CHUNK, a.rootHex(), bits(0, 1))),
        tree(Map.of("a.bin", 2L * CHUNK), Set.of(), Map.of()), false);
    assertEquals(Action.CHANGED, p.entry("a.bin").action());
    assertEquals(2L * CHUNK, p.entry("a.bin").bytesReused());
    assertEquals(CHUNK + 100L, p.entry("a.bin").bytesMoved());
    // a longer local file whose chunks all match is still changed: its tail goes
    p = SyncPlan.of(List.of(a), Map.of("a.bin", new SyncPlan.Held(a.size() + 1, a.rootHex(), all(a))),
        tree(Map.of("a.bin", a.size() + 1), Set.of(), Map.of()), false);
    assertEquals(Action.CHANGED, p.entry("a.bin").action());
    assertEquals(0, p.entry("a.bin").bytesMoved());
  }

  @Test
  void factsCheckedAgainstAnotherVersionAreNotTrusted() {
    FileManifest a = file("a.bin", 10_000, 1);
    FileManifest other = file("a.bin", 10_000, 9);
    SyncPlan p = SyncPlan.of(List.of(a), Map.of("a.bin", new SyncPlan.Held(10_000, other.rootHex(), all(a))),
        tree(Map.of("a.bin", 10_000L), Set.of(), Map.of()), false);
    assertEquals(Action.CHANGED, p.entry("a.bin").action());
    assertEquals(0, p.entry("a.bin").bytesReused());
    assertEquals(10_000, p.entry("a.bin").bytesMoved());
  }

  @Test
  void localOnlyFilesAreExtraOrDeletedAndEmptiedFoldersGoUnlessTheSourceHasThem() {
    FileManifest b = file("keep/b.txt", 5, 2);
    LocalTree.Scan t = tree(
        Map.of("keep/b.txt", 5L, "keep/old.txt", 3L, "gone/x/y.bin", 7L, "top.log", 11L),
        Set.of("keep", "gone", "gone/x", "links"),
        Map.of("links/out", "symlink"));
    SyncPlan dry = SyncPlan.of(List.of(b), Map.of(), t, false);
    assertEquals(Action.EXTRA, dry.entry("top.log").action());
    assertEquals(List.of(), dry.filesToDelete());
    assertEquals(List.of(), dry.dirsToDelete());
    assertEquals(4, dry.totals().filesExtra(), "three extra files and one kept symlink");

    SyncPlan p = SyncPlan.of(List.of(b), Map.of(), t, true);
    assertEquals(List.of("gone/x/y.bin", "keep/old.txt", "top.log"), p.filesToDelete());
    assertEquals(List.of("gone/x", "gone"), p.dirsToDelete(), "deepest first; keep/ is the source's, links/ holds a kept symlink");
    SyncPlan.Entry link = p.entry("links/out");
    assertEquals(Action.EXTRA, link.action(), "a symlink is never deleted");
    assertEquals("kept: symlink", link.note());
    assertNull(link.digest());
    SyncPlan.Totals tt = p.totals();
    assertEquals(3, tt.filesDeleted());
    assertEquals(21, tt.bytesDeleted());
    assertEquals(2, tt.dirsDeleted());
    assertEquals(1, tt.filesExtra());
  }

  @Test
  void aDeletionThatWasRefusedLeavesTheFileAnExtraWithWhy() {
    LocalTree.Scan t = tree(Map.of("a", 1L, "b", 2L), Set.of("d"), Map.of());
    SyncPlan p = SyncPlan.of(List.of(), Map.of(), t, true);
    SyncPlan after = p.deleted(new LocalTree.Deletion(List.of("a"), 1, List.of(), Map.of("b", "a symlink now")));
    assertEquals(Action.DELETED, after.entry("a").action());
    assertEquals(Action.EXTRA, after.entry("b").action());
    assertEquals("kept: a symlink now", after.entry("b").note());
    assertEquals(List.of(), after.dirsToDelete(), "only the folders removed");
    SyncPlan kept = p.keepingEverything("the pull failed");
    assertEquals(List.of(), kept.filesToDelete());
    assertEquals(0, kept.totals().filesDeleted());
    assertTrue(kept.entries().stream().allMatch(e -> e.action() == Action.EXTRA));
  }

  @Test
  void publishedDigestsReplaceTheListingsAndAFileNotPublishedSaysSo() {
    FileManifest a = file("a", 100, 1);
    FileManifest b = file("b", 100, 2);
    SyncPlan p = SyncPlan.of(List.of(a, b), Map.of(), LocalTree.Scan.empty(), false)
        .published(Map.of("a", a.rootHex()));
    assertEquals(a.rootHex(), p.entry("a").digest());
    assertNull(p.entry("b").digest());
    assertEquals("not published", p.entry("b").note());
  }

  @Test
  void ancestorsAreEveryProperParentFolder() {
    assertEquals(List.of("a", "a/b"), SyncPlan.ancestors("a/b/c"));
    assertEquals(List.of(), SyncPlan.ancestors("c"));
  }
}
