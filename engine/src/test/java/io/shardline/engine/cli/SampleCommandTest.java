package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.tensor.SafetensorsHeader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code shardline sample DIR}: sample BF16 safetensors shards, and clear errors for bad sizes. */
class SampleCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run sample(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] a = new String[args.length + 1];
    a[0] = "sample";
    System.arraycopy(args, 0, a, 1, args.length);
    return new Run(cl.execute(a), out.toString(), err.toString());
  }

  @Test
  void writesTheAskedNumberOfSafetensorsShardsOfAboutTheAskedSize() throws IOException {
    Path out = dir.resolve("made/here");
    Run r = sample(out.toString(), "--shards", "3", "--shard-size", "256KiB");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("3 sample shards"), r.out());
    try (Stream<Path> files = Files.list(out)) {
      var shards = files.sorted().toList();
      assertEquals(3, shards.size());
      for (Path f : shards) {
        long size = Files.size(f);
        assertTrue(size > 250_000 && size < 270_000, f + ": " + size);
        assertFalse(SafetensorsHeader.read(f).tensors().isEmpty(), f + " has tensors");
      }
    }
  }

  @Test
  void refusesSizesItCannotMakeWithANamedError() {
    Run tooSmall = sample(dir.toString(), "--shard-size", "10");
    assertEquals(2, tooSmall.exit());
    assertTrue(tooSmall.err().contains("--shard-size must be 1KiB..64GiB"), tooSmall.err());
    Run noShards = sample(dir.toString(), "--shards", "0");
    assertEquals(2, noShards.exit());
    assertTrue(noShards.err().contains("--shards must be 1..10000"), noShards.err());
    Run garbage = sample(dir.toString(), "--shard-size", "lots");
    assertEquals(2, garbage.exit());
    assertTrue(garbage.err().contains("--shard-size"), garbage.err());
  }
}
