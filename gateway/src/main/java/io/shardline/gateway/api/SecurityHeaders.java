package io.shardline.gateway.api;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;

/**
 * The browser-side policy, on every response: scripts, styles and connections from this origin
 * only (no inline script or style, no framing, no plugins), no MIME sniffing, no referrer. The
 * web page is written for it: its script and style are files, it sets styles only through the
 * CSSOM, and it talks only to this gateway.
 */
public final class SecurityHeaders implements SecurityPolicyHandler {
  public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
      + "frame-ancestors 'none'";

  @Override
  public void handle(RoutingContext rc) {
    MultiMap h = rc.response().headers();
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    rc.next();
  }
}
