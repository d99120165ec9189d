package io.shardline.gateway.auth;

import io.shardline.gateway.api.Problem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.util.Optional;

/**
 * Requires {@code Authorization: Bearer TOKEN} on the API (but not on its contract document) and
 * on {@code /metrics}: 401 without a valid token, 403 when a viewer tries anything but a read.
 * The caller is stored in the routing context for handlers and the audit log. Tokens are never
 * logged. A security-policy handler in Vert.x Web's order: it runs before the body is read, so
 * nothing is buffered for a caller without a token.
 */
public final class AuthHandler implements SecurityPolicyHandler {
  public static final String CALLER = "shardline.caller";

  private final TokenAuthenticator tokens;

  public AuthHandler(TokenAuthenticator tokens) {
    this.tokens = tokens;
  }

  public static Caller caller(RoutingContext rc) {
    return rc.get(CALLER);
  }

  @Override
  public void handle(RoutingContext rc) {
    String path = rc.normalizedPath();
    boolean protectedPath = (path.startsWith("/api/") && !path.equals("/api/v1/openapi.yaml")) || path.equals("/metrics");
    if (!protectedPath) {
      rc.next();
      return;
    }
    String header = rc.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Problem.send(rc, 401, "send 'Authorization: Bearer TOKEN' with an operator or viewer token");
      return;
    }
    Optional<Caller> caller = tokens.authenticate(header.substring(7).trim());
    if (caller.isEmpty()) {
      Problem.send(rc, 401, "the bearer token is not valid");
      return;
    }
    HttpMethod m = rc.request().method();
    boolean read = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
    if (!read && !caller.get().role().canMutate()) {
      Problem.send(rc, 403, "token '" + caller.get().name() + "' has the viewer role, which can only read; "
          + rc.request().method() + " needs an operator token");
      return;
    }
    rc.put(CALLER, caller.get());
    rc.next();
  }
}
