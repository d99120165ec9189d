package io.shardline.gateway.api;

import io.shardline.gateway.auth.AuthHandler;
import io.shardline.gateway.http.Problem;
import io.shardline.gateway.job.JobRunner;
import io.shardline.gateway.job.JobService;
import io.shardline.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ValidatorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Builds the gateway's router from the OpenAPI contract ({@code openapi.yaml}, on the class path):
 * requests are timed, authenticated, size-limited and validated against the contract before a
 * handler sees them; every error leaves as problem+json. Adds {@code /health}, {@code /ready},
 * {@code /metrics}, the contract itself and the web page.
 */
public final class ApiRouter {
  public static final String CONTRACT = "openapi.yaml";
  private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);

  private ApiRouter() {}

  /** The contract's text, as served at {@code /api/v1/openapi.yaml}. */
  public static String contractText() {
    try (InputStream in = ApiRouter.class.getClassLoader().getResourceAsStream(CONTRACT)) {
      if (in == null) {
        throw new IllegalStateException(CONTRACT + " is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Future<Router> create(Vertx vertx, JobService jobs, JobRunner runner, GatewayMetrics metrics,
      AuthHandler auth, int maxBodyBytes, long heartbeatMs, Supplier<Future<Boolean>> ready,
      Supplier<Future<JsonObject>> cluster, ClusterForwarding forwarding, Supplier<String> node) {
    String text = contractText();
    @SuppressWarnings("unchecked")
    Map<String, Object> raw = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    return OpenAPIContract.from(vertx, forValidator(new JsonObject(raw))).map(contract -> {
      RouterBuilder rb = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
      rb.rootHandler(metrics.httpTimer());
      rb.rootHandler(new SecurityHeaders()); // on every response, errors included
      rb.rootHandler(auth); // a security policy: runs before the body is read
      rb.rootHandler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
      JobsApi api = new JobsApi(jobs, node);
      EventStream events = new EventStream(vertx, jobs, runner, heartbeatMs, api::view);
      for (OpenAPIRoute r : rb.getRoutes()) {
        r.setDoSecurity(false); // AuthHandler does it, for every route
        PathParameterCheck check = PathParameterCheck.of(r.getOperation(), contract.getSchemaRepository());
        if (check != null) { // GET jobs/{id} and the like: the contract's check without a worker thread
          r.setDoValidation(false);
          r.addHandler(check);
        }
        r.addHandler(AuthHandler.required()); // every contract route needs a caller, however its path was spelled
      }
      rb.getRoute("submitJob").addHandler(forwarding.forSubmit(api::submit));
      rb.getRoute("listJobs").addHandler(forwarding.forList(api::list));
      rb.getRoute("getJob").addHandler(forwarding.forJob(api::get));
      rb.getRoute("updateJob").addHandler(forwarding.forJob(api::update));
      rb.getRoute("cancelJob").addHandler(forwarding.forJob(api::cancel));
      rb.getRoute("pauseJob").addHandler(forwarding.forJob(api::pause));
      rb.getRoute("resumeJob").addHandler(forwarding.forJob(api::resume));
      rb.getRoute("jobEvents").addHandler(forwarding.forJob(events::handle));
      rb.getRoute("jobLog").addHandler(forwarding.forJob(api::log));
      BroadcastsApi broadcasts = new BroadcastsApi(api, forwarding);
      rb.getRoute("submitBroadcast").addHandler(broadcasts::submit);
      rb.getRoute("getBroadcast").addHandler(broadcasts::get);
      rb.getRoute("cancelBroadcast").addHandler(broadcasts::cancel);
      rb.getRoute("whoAmI").addHandler(rc -> JobsApi.json(rc, 200, new JsonObject()
          .put("name", AuthHandler.caller(rc).name()).put("role", AuthHandler.caller(rc).role().label())));
      rb.getRoute("getCluster").addHandler(rc -> cluster.get().onComplete(ar -> {
        if (ar.succeeded()) {
          JobsApi.json(rc, 200, ar.result());
        } else {
          rc.fail(ar.cause());
        }
      }));
      Router router = rb.createRouter();
      router.get("/api/v1/openapi.yaml").handler(rc -> rc.response()
          .putHeader("Content-Type", "application/yaml; charset=utf-8").end(text));
      router.get("/health").handler(rc -> JobsApi.json(rc, 200, new JsonObject().put("status", "up")));
      router.get("/ready").handler(rc -> ready.get().onComplete(ar -> {
        if (ar.succeeded() && ar.result()) {
          JobsApi.json(rc, 200, new JsonObject().put("status", "ready"));
        } else {
          Problem.send(rc, 503, "the gateway is starting, stopping, or cannot write its journal");
        }
      }));
      router.get("/metrics").handler(AuthHandler.required()).handler(rc -> rc.response()
          .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
      router.route("/api/*").handler(rc -> Problem.send(rc, 404, "no such API resource: " + rc.request().method()
          + " " + rc.request().path()));
      router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
      router.route().failureHandler(ApiRouter::failure);
      router.errorHandler(404, rc -> Problem.send(rc, 404, "nothing at " + rc.request().path()));
      router.errorHandler(405, rc -> Problem.send(rc, 405, rc.request().method() + " is not allowed on " + rc.request().path()));
      return router;
    });
  }

  /**
   * The contract as the validator takes it: Vert.x OpenAPI 5.0 refuses response media types it
   * cannot validate (problem+json, event streams), and only requests are validated here, so
   * responses are declared as their nearest supported type. The served document is unchanged.
   */
  static JsonObject forValidator(JsonObject contract) {
    JsonObject copy = contract.copy();
    JsonObject paths = copy.getJsonObject("paths", new JsonObject());
    for (String p : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(p);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op && op.getValue("responses") instanceof JsonObject rs) {
          for (String code : rs.fieldNames()) {
            retype(rs.getJsonObject(code));
          }
        }
      }
    }
    JsonObject responses = copy.getJsonObject("components", new JsonObject()).getJsonObject("responses", new JsonObject());
    for (String name : responses.fieldNames()) {
      retype(responses.getJsonObject(name));
    }
    return copy;
  }

  private static void retype(JsonObject response) {
    JsonObject content = response == null ? null : response.getJsonObject("content");
    if (content == null) {
      return;
    }
    JsonObject fixed = new JsonObject();
    for (String type : content.fieldNames()) {
      String t = switch (type) {
        case Problem.CONTENT_TYPE -> "application/json";
        case "text/event-stream" -> "text/plain";
        default -> type;
      };
      fixed.put(t, content.getValue(type));
    }
    response.put("content", fixed);
  }

  private static void failure(RoutingContext rc) {
    Throwable t = rc.failure();
    int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
    if (t instanceof HttpException h) {
      status = h.getStatusCode();
    }
    String detail;
    if (status == 413) {
      detail = "the request body is larger than this gateway accepts";
    } else if (t != null && t.getCause() instanceof ValidatorException v) {
      detail = "the request does not match the API contract: " + v.getMessage();
    } else if (t instanceof ValidatorException v) {
      detail = "the request does not match the API contract: " + v.getMessage();
    } else if (status >= 500) {
      LOG.error("request {} {} failed", rc.request().method(), rc.request().path(), t);
      detail = "internal error; see the gateway's log";
    } else {
      detail = t != null && t.getMessage() != null ? t.getMessage() : Problem.title(status);
    }
    Problem.send(rc, status, detail);
  }
}
