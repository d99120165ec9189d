package io.shardline.gateway.cli;

import io.shardline.engine.cli.CommandPlugin;

/** Adds {@code gateway} and {@code demo} to the engine's command line ({@link CommandPlugin} services). */
public final class GatewayCommands {
  private GatewayCommands() {}

  /** {@code shardline gateway}. */
  public static final class Gateway implements CommandPlugin {
    @Override
    public Object command() {
      return new GatewayCommand();
    }
  }

  /** {@code shardline demo}. */
  public static final class Demo implements CommandPlugin {
    @Override
    public Object command() {
      return new DemoCommand();
    }
  }
}
