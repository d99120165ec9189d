package io.shardline.gateway.auth;

import io.shardline.gateway.http.Problem;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Requires {@code Authorization: Bearer TOKEN} on the API (but not on its contract document) and
 * on {@code /metrics}: 401 without a valid token, 403 when a viewer tries anything but a read.
 * The caller is stored in the routing context for handlers and the audit log. Tokens are never
 * logged.
 *
 * <p>Two checks, so that no spelling of a path gets past: {@link #handle} runs before routing and
 * before the body is read (a security-policy handler in Vert.x Web's order), and refuses any path
 * that could reach a protected route, judged on a canonical form that over-approximates the
 * router (percent-decoded, lower case, repeated and trailing slashes dropped). Then every
 * protected route starts with {@link #required()}, which refuses a request that reached it
 * without a caller: the route that matched decides, whatever the path looked like.
 */
public final class AuthHandler implements SecurityPolicyHandler {
  public static final String CALLER = "shardline.caller";
  /** The one public resource under {@code /api/}. */
  public static final String CONTRACT_PATH = "/api/v1/openapi.yaml";

  private final TokenAuthenticator tokens;

  public AuthHandler(TokenAuthenticator tokens) {
    this.tokens = tokens;
  }

  public static Caller caller(RoutingContext rc) {
    return rc.get(CALLER);
  }

  /**
   * The first handler of every protected route: 401 unless {@link #handle} found a valid token,
   * 403 for a viewer's mutation.
   */
  public static Handler<RoutingContext> required() {
    return rc -> {
      Caller c = caller(rc);
      if (c == null) {
        Problem.send(rc, 401, "send 'Authorization: Bearer TOKEN' with an operator or viewer token");
      } else if (!read(rc) && !c.role().canMutate()) {
        forbidden(rc, c);
      } else {
        rc.next();
      }
    };
  }

  private static boolean read(RoutingContext rc) {
    HttpMethod m = rc.request().method();
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
  }

  private static void forbidden(RoutingContext rc, Caller c) {
    Problem.send(rc, 403, "token '" + c.name() + "' has the viewer role, which can only read; "
        + rc.request().method() + " needs an operator token");
  }

  /**
   * Whether a path could reach a protected route: anything that canonically is {@code /metrics}
   * or lies under {@code /api}, except the contract document asked for by its exact name.
   */
  public static boolean mayBeProtected(String path) {
    if (path.equals(CONTRACT_PATH)) {
      return false;
    }
    String c = canonical(path);
    return c.equals("/metrics") || c.equals("/api") || c.startsWith("/api/");
  }

  static String canonical(String path) {
    String p = path;
    for (int i = 0; i < 3 && p.indexOf('%') >= 0; i++) { // %252F too, to a bound
      try {
        p = URLDecoder.decode(p.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        break; // a malformed escape: judge what is there
      }
    }
    p = p.replace('\\', '/').toLowerCase(Locale.ROOT).replaceAll("/{2,}", "/").replaceAll("(?:/\\.)+(?=/|$)", "");
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.startsWith("/") ? p : "/" + p;
  }

  @Override
  public void handle(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    boolean guarded = mayBeProtected(rc.normalizedPath()) || mayBeProtected(rc.request().path());
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      if (guarded) {
        Problem.send(rc, 401, "send 'Authorization: Bearer TOKEN' with an operator or viewer token");
      } else {
        rc.next();
      }
      return;
    }
    Optional<Caller> caller = tokens.authenticate(header.substring(7).trim());
    if (caller.isEmpty()) {
      if (guarded) {
        Problem.send(rc, 401, "the bearer token is not valid");
      } else {
        rc.next(); // the page and its files need no token; a stale one must not break them
      }
      return;
    }
    if (guarded && !read(rc) && !caller.get().role().canMutate()) {
      forbidden(rc, caller.get());
      return;
    }
    rc.put(CALLER, caller.get());
    rc.next();
  }
}
