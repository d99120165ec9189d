package io.shardline.gateway.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Errors as {@code application/problem+json} (RFC 9457): a type, a title, the status and a detail. */
public final class Problem {
  public static final String CONTENT_TYPE = "application/problem+json";

  private Problem() {}

  public static void send(RoutingContext rc, int status, String detail) {
    HttpServerResponse res = rc.response();
    if (res.headWritten()) {
      res.reset();
      return;
    }
    JsonObject body = new JsonObject()
        .put("type", "https://shardline.io/problems/" + slug(status))
        .put("title", title(status))
        .put("status", status)
        .put("detail", detail)
        .put("instance", rc.request().path());
    if (status == 401) {
      res.putHeader("WWW-Authenticate", "Bearer realm=\"shardline\"");
    }
    res.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  public static String title(int status) {
    return switch (status) {
      case 400 -> "Invalid request";
      case 401 -> "Authentication required";
      case 403 -> "Forbidden";
      case 404 -> "Not found";
      case 405 -> "Method not allowed";
      case 406 -> "Not acceptable";
      case 409 -> "Conflict with the job's state";
      case 413 -> "Request body too large";
      case 415 -> "Unsupported media type";
      case 422 -> "Idempotency-Key reused";
      case 503 -> "Service unavailable";
      default -> status >= 500 ? "Internal error" : "Request failed";
    };
  }

  private static String slug(int status) {
    return title(status).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
  }
}
