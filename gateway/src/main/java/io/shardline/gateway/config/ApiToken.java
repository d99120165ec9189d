package io.shardline.gateway.config;


/** An API token from the config, with its role and an optional name used in the audit log. */
public record ApiToken(String token, Role role, String name) {
  @Override
  public String toString() {
    return "ApiToken[" + name + ", " + role + "]"; // never the secret
  }
}
