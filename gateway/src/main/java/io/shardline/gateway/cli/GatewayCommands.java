package io.shardline.gateway.cli;

import io.shardline.engine.cli.CommandPlugin;

/** Adds {@code demo} to the engine's command line (registered as a {@link CommandPlugin} service). */
public final class GatewayCommands {
  private GatewayCommands() {}

  /** {@code shardline demo}. */
  public static final class Demo implements CommandPlugin {
    @Override
    public Object command() {
      return new DemoCommand();
    }
  }
}
