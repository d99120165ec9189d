package io.shardline.gateway.auth;

import io.shardline.gateway.config.Role;

/** Who made a request: the token's name (for the audit log, never the secret) and its role. */
public record Caller(String name, Role role) {
  /** The gateway itself (restarts, the scheduler). */
  public static final Caller SYSTEM = new Caller("gateway", Role.OPERATOR);
}
