package io.shardline.engine.cli;

import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.wire.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code shardline}: the command line. */
@Command(name = "shardline", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Moves model shards between nodes over parallel TLS lanes: verified, resumable, bounded memory.",
    subcommands = {ServeCommand.class, PullCommand.class, VerifyCommand.class, SampleCommand.class,
        ProbeCommand.class, RelayCommand.class, PushCommand.class, SyncCommand.class, TrainCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (tests call this). */
  public static int run(String... args) {
    // 4 MiB chunks plus headers must stay in pooled (not huge, unpooled) allocations.
    System.setProperty("io.netty.allocator.maxOrder", System.getProperty("io.netty.allocator.maxOrder", "10"));
    if (args.length > 0 && !args[0].startsWith("-") && !args[0].equals("help")) {
      TlsSupport.preload(); // a subcommand, most of which open TLS connections
    }
    CommandLine cl = new CommandLine(new Main());
    for (CommandPlugin plugin : java.util.ServiceLoader.load(CommandPlugin.class)) {
      cl.addSubcommand(plugin.command());
    }
    TrainCommand.configure(cl.getSubcommands().get("train"));
    cl.addSubcommand(new CommandLine.HelpCommand());
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      line.getErr().println("shardline: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return 2;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"shardline " + (v == null ? "dev" : v) + ", protocol " + Protocol.VERSION};
    }
  }
}
