package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.transfer.ShardlineUrl;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MultiSourceArgsTest {
  private static PullCommand parse(String... args) {
    PullCommand c = new PullCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void commaSeparatedSourcesKeepTheirOrder() {
    PullCommand c = parse("shardline://near:1/m,shardline://far:2/m", "dest", "--insecure");
    assertEquals(List.of(new ShardlineUrl("near", 1, "m"), new ShardlineUrl("far", 2, "m")),
        PullCommand.sourcesOf(c.url, c.up.extraSources));
  }

  @Test
  void repeatedSourceOptionsComeAfterTheFirstArgument() {
    PullCommand c = parse("shardline://near:1/m", "dest", "--source", "shardline://mid:2/m",
        "--source", "shardline://far:3/m", "--insecure");
    assertEquals(List.of(new ShardlineUrl("near", 1, "m"), new ShardlineUrl("mid", 2, "m"),
        new ShardlineUrl("far", 3, "m")), PullCommand.sourcesOf(c.url, c.up.extraSources));
  }

  @Test
  void aCommaInsideAPathIsNoSeparator() {
    assertEquals(List.of(new ShardlineUrl("h", 1, "a,b")), PullCommand.sourcesOf("shardline://h:1/a,b", List.of()));
  }

  @Test
  void aSourceThatIsNoShardlineUrlIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> PullCommand.sourcesOf("shardline://h:1/m", List.of("https://x/m")));
  }

  @Test
  void sourceOnlyAddsToShardlinePulls() {
    assertEquals(2, Main.run("pull", "https://127.0.0.1:1/f", "dest", "--source", "shardline://h:1/f"));
  }
}
