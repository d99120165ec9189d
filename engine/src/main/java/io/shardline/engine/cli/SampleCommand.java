package io.shardline.engine.cli;

import io.shardline.engine.sample.SampleShards;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardline sample DIR}: writes sample BF16 safetensors shards (the demo's data) into a
 * folder, to try a serve and a pull without a checkpoint at hand. The launcher also uses it for the
 * training run of its JDK 25 AOT cache. Shards already there are kept.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
    description = "Write sample BF16 safetensors shards (values like trained weights) into DIR.")
final class SampleCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Folder to write the shards into (made if missing).")
  Path dir;

  @Option(names = "--shards", description = "Number of shards (default: ${DEFAULT-VALUE}).", defaultValue = "4")
  int shards;

  @Option(names = "--shard-size", description = "Size of each shard, e.g. 64MiB (default: ${DEFAULT-VALUE}).",
      defaultValue = "64MiB")
  String shardSize;

  @Override
  public Integer call() throws Exception {
    long size;
    try {
      size = Sizes.parse(shardSize);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--shard-size: " + e.getMessage());
    }
    if (shards < 1 || shards > 10_000) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--shards must be 1..10000, got " + shards);
    }
    if (size < 1024 || size > (64L << 30)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--shard-size must be 1KiB..64GiB, got " + shardSize);
    }
    Files.createDirectories(dir);
    long bytes = SampleShards.generate(dir, shards, size, 42);
    spec.commandLine().getOut().println(shards + " sample shards, " + Sizes.human(bytes) + " in " + dir);
    return 0;
  }
}
