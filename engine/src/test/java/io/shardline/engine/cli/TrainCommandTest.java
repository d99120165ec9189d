package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's training command runs several command lines in one JVM and stops at the first failure. */
class TrainCommandTest {
  @TempDir
  Path tmp;

  @Test
  void commandLinesAreSplitOnTheirSeparatorAndEmptyOnesDropped() {
    assertEquals(List.of(List.of("pull", "a", "--json"), List.of("pull", "b")),
        TrainCommand.split(List.of("pull", "a", "--json", "::", "::", "pull", "b", "::")));
  }

  @Test
  void eachCommandRunsInOrderWithItsOwnOptionsAndAFailureStopsTheRest() {
    assertEquals(0, Main.run("train", "sample", tmp.resolve("a").toString(), "--shards", "1", "--shard-size", "4KiB",
        "::", "sample", tmp.resolve("b").toString(), "--shards", "2", "--shard-size", "4KiB"));
    assertTrue(Files.exists(tmp.resolve("a/model-00001-of-00001.safetensors")));
    assertTrue(Files.exists(tmp.resolve("b/model-00002-of-00002.safetensors")));
    assertEquals(2, Main.run("train", "sample", tmp.resolve("c").toString(), "--bogus",
        "::", "sample", tmp.resolve("d").toString()));
    assertFalse(Files.exists(tmp.resolve("d")), "nothing after the failed command ran");
  }
}
