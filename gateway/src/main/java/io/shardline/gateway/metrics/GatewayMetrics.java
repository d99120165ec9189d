package io.shardline.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardline.gateway.job.JobRunner;
import io.shardline.gateway.job.JobState;
import io.shardline.gateway.job.JobTable;
import io.shardline.gateway.job.TransferStats;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.Operation;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's Prometheus metrics ({@code GET /metrics}, Micrometer): bytes and wire bytes
 * moved, chunk retries and lane reconnects (repairs), active lanes, jobs by state, throughput,
 * and HTTP request latency by operation. Gauges read the job table and runner when scraped, on
 * the gateway's context.
 */
public final class GatewayMetrics implements TransferStats {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter bytes;
  private final Counter wire;
  private final Counter retries;
  private final Counter reconnects;
  /** One timer per (operation, method, status): looked up, not rebuilt, per request. */
  private final java.util.concurrent.ConcurrentHashMap<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

  public GatewayMetrics() {
    bytes = Counter.builder("shardline.transfer.bytes").baseUnit("bytes")
        .description("Payload bytes received, verified and written by jobs").register(registry);
    wire = Counter.builder("shardline.transfer.wire.bytes").baseUnit("bytes")
        .description("Bytes received on the wire by jobs (compressed chunks and frame headers)").register(registry);
    retries = Counter.builder("shardline.chunk.retries")
        .description("Chunks fetched again after a checksum, decoding or lane failure").register(registry);
    reconnects = Counter.builder("shardline.lane.reconnects")
        .description("Lanes reconnected after a drop or stall").register(registry);
    new JvmMemoryMetrics().bindTo(registry);
  }

  /** Registers the gauges that read the jobs and the runner. */
  public void bind(JobTable table, JobRunner runner) {
    for (JobState s : JobState.values()) {
      Gauge.builder("shardline.jobs", table, t -> t.countByState().get(s)).tag("state", s.label())
          .description("Jobs by state").register(registry);
    }
    Gauge.builder("shardline.lanes.active", runner, JobRunner::activeLanes)
        .description("Lanes connected over all running jobs").register(registry);
    Gauge.builder("shardline.transfer.rate", runner, r -> r.rate() / 8.0).baseUnit("bytes.per.second")
        .description("Throughput of all running jobs over the last 2 s").register(registry);
  }

  @Override
  public void sampled(long b, long w, long r, long c) {
    bytes.increment(b);
    wire.increment(w);
    retries.increment(r);
    reconnects.increment(c);
  }

  /** A root handler that times every request, tagged by OpenAPI operation (or path), method and status. */
  public Handler<RoutingContext> httpTimer() {
    return (PlatformHandler) rc -> {
      long start = System.nanoTime();
      rc.addBodyEndHandler(v -> {
        Operation op = rc.currentRoute() == null ? null : (Operation) rc.currentRoute().metadata().get(RouterBuilder.KEY_META_DATA_OPERATION);
        String route = op != null ? op.getOperationId() : knownPath(rc.normalizedPath());
        String method = rc.request().method().name();
        int status = rc.response().getStatusCode();
        timers.computeIfAbsent(route + ' ' + method + ' ' + status, k -> Timer.builder("http.server.requests")
                .description("HTTP requests to the gateway")
                .tag("operation", route).tag("method", method).tag("status", Integer.toString(status))
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(100))
                .register(registry))
            .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      });
      rc.next();
    };
  }

  /** Paths outside the contract, by name; anything else is "other" (labels stay few). */
  private static String knownPath(String p) {
    return switch (p) {
      case "/health", "/ready", "/metrics", "/", "/api/v1/openapi.yaml" -> p;
      default -> p.startsWith("/ui/") ? "/ui" : "other";
    };
  }

  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
