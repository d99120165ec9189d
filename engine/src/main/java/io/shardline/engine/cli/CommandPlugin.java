package io.shardline.engine.cli;

/**
 * A subcommand contributed by a module the engine does not depend on (the gateway), found with
 * {@link java.util.ServiceLoader}: list implementations in
 * {@code META-INF/services/io.shardline.engine.cli.CommandPlugin}.
 */
public interface CommandPlugin {
  /** A picocli {@code @Command} object; its name is the subcommand's name. */
  Object command();
}
