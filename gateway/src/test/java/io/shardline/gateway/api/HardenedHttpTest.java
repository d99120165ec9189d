package io.shardline.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.api.SecurityHeaders;
import io.shardline.gateway.testutil.GatewayHarness;
import io.shardline.gateway.testutil.GatewayHarness.Response;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: every spelling of a protected path needs a token (defect 5: {@code /metrics/} did
 * not), huge offsets are a 400, {@code .shardline} is no destination, no cleartext HTTP/2, and
 * every response carries the browser-side policy headers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class HardenedHttpTest {
  static final String OP = GatewayHarness.OPERATOR;
  static final String VIEW = GatewayHarness.VIEWER;
  GatewayHarness h;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    h = new GatewayHarness(tmp);
    GatewayHarness.file(h.source.resolve("small/a.bin"), 10_000, 1);
    h.startNode(o -> { }).startGateway(c -> { });
  }

  @AfterAll
  void stop() throws Exception {
    h.close();
  }

  /** One HTTP/1.1 request on a raw socket, the path sent exactly as given; the status code. */
  int raw(String method, String path, String token, String body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.info.port())) {
      s.setSoTimeout(10_000);
      StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
      if (token != null) {
        req.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      if (body != null) {
        req.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n");
      }
      OutputStream out = s.getOutputStream();
      out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      InputStream in = s.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 401"
      return Integer.parseInt(head.substring(9, 12));
    }
  }

  @Test
  void everySpellingOfAProtectedPathNeedsAToken() throws Exception {
    String id = h.submit(new JsonObject().put("source", "ckpt:small").put("destination", "local:auth")).getString("id");
    List<String> paths = List.of("/metrics", "/metrics/", "/metrics//", "//metrics", "/metrics/.", "/./metrics",
        "/METRICS", "/Metrics/", "/%6detrics", "/metrics%2F", "/metrics%2f", "/x/../metrics", "/metrics?x=1",
        "/api/v1/jobs", "/api/v1/jobs/", "/api/v1/jobs//", "//api/v1/jobs", "/api//v1/jobs", "/API/v1/jobs",
        "/api/V1/jobs", "/api%2Fv1%2Fjobs", "/api/v1/jobs%2F", "/api/v1/./jobs", "/api/v1/x/../jobs", "/%61pi/v1/jobs",
        "/api/v1/me", "/api/v1/me/", "/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/", "/api/v1/jobs/" + id + "/log/",
        "/api/v1/jobs/" + id + "/events/", "/api/v1/jobs/" + id + "//log", "/api/v1/openapi.yaml/../jobs",
        "/api/v1/OPENAPI.yaml/../jobs");
    for (String p : paths) {
      assertEquals(401, raw("GET", p, null, null), "GET " + p + " without a token");
      assertEquals(401, raw("GET", p, "not-a-valid-token", null), "GET " + p + " with a wrong token");
    }
    for (String p : List.of("/api/v1/jobs", "/api/v1/jobs/", "/API/v1/jobs", "//api/v1/jobs", "/api%2Fv1%2Fjobs")) {
      assertEquals(401, raw("POST", p, null, "{\"source\":\"ckpt:small\",\"destination\":\"local:sneaky\"}"), "POST " + p);
      int viewer = raw("POST", p, VIEW, "{\"source\":\"ckpt:small\",\"destination\":\"local:sneaky\"}");
      assertTrue(viewer == 403, "a viewer's POST " + p + ": " + viewer);
    }
    for (String p : List.of("/api/v1/jobs/" + id + "/cancel/", "/api/v1/jobs/" + id + "//pause", "/API/v1/jobs/" + id + "/pause")) {
      assertEquals(401, raw("POST", p, null, null), "POST " + p);
    }
    long sneaky = h.call("GET", "/api/v1/jobs?limit=1000", VIEW, null).json().getJsonArray("jobs").stream()
        .filter(o -> ((JsonObject) o).getString("destination").equals("local:sneaky")).count();
    assertEquals(0, sneaky, "no job was submitted without an operator token");
    // what is public stays public, with or without a stale token
    for (String p : List.of("/health", "/ready", "/api/v1/openapi.yaml", "/", "/index.html", "/app.js", "/app.css")) {
      assertEquals(200, raw("GET", p, null, null), "GET " + p);
      assertEquals(200, raw("GET", p, "stale-token-123", null), "GET " + p + " with a stale token");
    }
    assertEquals(200, raw("GET", "/metrics/", VIEW, null), "a token still opens /metrics/");
  }

  @Test
  void hugeOffsetsAndLimitsAreA400() throws Exception {
    for (String q : List.of("offset=2147483648", "offset=99999999999999999999999", "limit=99999999999999999999999",
        "offset=-1", "offset=1e30", "limit=2147483648")) {
      JobsApiTest.assertProblem(h.call("GET", "/api/v1/jobs?" + q, VIEW, null), 400, "");
    }
    JsonObject last = h.call("GET", "/api/v1/jobs?offset=2147483647&limit=1000", VIEW, null).json();
    assertEquals(0, last.getJsonArray("jobs").size());
  }

  @Test
  void aShardlineStateFolderIsNoDestination() throws Exception {
    for (String d : List.of("local:.shardline", "local:.shardline/x", "local:a/.shardline", "local:a/.SHARDLINE/b",
        "local:./.shardline")) {
      Response r = h.call("POST", "/api/v1/jobs", OP, new JsonObject().put("source", "ckpt:small").put("destination", d).encode());
      JobsApiTest.assertProblem(r, 400, ".shardline");
    }
  }

  @Test
  void noCleartextHttp2() throws Exception {
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(h.base() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals(HttpClient.Version.HTTP_1_1, r.version(), "the h2c upgrade is refused");
    try (Socket s = new Socket("127.0.0.1", h.info.port())) { // prior knowledge: the HTTP/2 preface
      s.setSoTimeout(10_000);
      s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] reply = s.getInputStream().readNBytes(8); // an HTTP/2 server answers with a binary SETTINGS frame
      assertTrue(reply.length == 0 || new String(reply, StandardCharsets.US_ASCII).startsWith("HTTP/"),
          "no HTTP/2 frames in reply to the preface: " + java.util.HexFormat.of().formatHex(reply));
    }
  }

  @Test
  void everyResponseCarriesThePolicyHeaders() throws Exception {
    for (String[] req : new String[][] {{"/", null}, {"/app.js", null}, {"/app.css", null}, {"/health", null},
        {"/api/v1/jobs", null}, {"/api/v1/jobs", VIEW}, {"/api/v1/nothing", VIEW}, {"/no-such-file", null},
        {"/api/v1/openapi.yaml", null}, {"/metrics", VIEW}}) {
      Response r = h.call("GET", req[0], req[1], null);
      assertEquals(SecurityHeaders.CSP, r.header("Content-Security-Policy"), req[0]);
      assertEquals("nosniff", r.header("X-Content-Type-Options"), req[0]);
      assertEquals("DENY", r.header("X-Frame-Options"), req[0]);
      assertEquals("no-referrer", r.header("Referrer-Policy"), req[0]);
    }
    String csp = SecurityHeaders.CSP;
    assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), csp);
  }
}
