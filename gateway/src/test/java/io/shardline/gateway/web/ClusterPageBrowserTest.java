package io.shardline.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.gateway.GatewayServer;
import io.shardline.gateway.config.GatewayConfig;
import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page of a cluster of two gateways (in this JVM, on 127.0.0.1) in a real headless
 * Chromium: the page of gw-a lists both members with their destinations, a job submitted there
 * for a destination only gw-b has names gw-b on its card and counts as gw-b's running job, and
 * its progress reaches the page through gw-a (the event stream forwarded); a broadcast over both
 * members shows as a tree (the source, each destination under its parent, its member and a bar
 * that reaches 100%). Screenshots: {@code target/screenshots/web-page-cluster.png},
 * {@code web-page-broadcast.png} and {@code web-page-broadcast-done.png}. Skipped when the system Chromium or
 * chromedriver is missing.
 */
class ClusterPageBrowserTest {
  static final long FILE_BYTES = 24L << 20;

  static {
    WebPageBrowserTest.SELENIUM_LOG.setLevel(Level.SEVERE);
  }

  final Map<String, GatewayServer> gateways = new LinkedHashMap<>();
  final Map<String, Integer> apiPorts = new LinkedHashMap<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS) // Hazelcast's join alone can take 20 s on a loaded machine
  void theMembersAndWhereEachJobRuns(@TempDir Path tmp) throws Exception {
    String missing = Browser.missing();
    assumeTrue(missing == null, () -> "skipped: " + missing);
    try (GatewayHarness h = new GatewayHarness(tmp.resolve("gw"))) {
      GatewayHarness.file(h.source.resolve("models/shard-00000.safetensors"), FILE_BYTES, 7);
      h.startNode(o -> { });
      List<Integer> clusterPorts = List.of(freePort(), freePort());
      try {
        startMember(h, tmp, "gw-a", clusterPorts.get(0), clusterPorts, "local");
        startMember(h, tmp, "gw-b", clusterPorts.get(1), clusterPorts, "far");
        awaitMembers("gw-a", 2);
        try (Browser b = Browser.start(tmp.resolve("browser"), 1280, 900)) {
          b.drive("ClusterPageBrowserTest", "web-page-cluster-failure.png", () -> drive(b));
        }
      } finally {
        for (GatewayServer g : gateways.values()) {
          GatewayHarness.await(g.stop());
        }
      }
    }
  }

  private void drive(Browser b) throws Exception {
    WebDriver d = b.driver;
    WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(20), Duration.ofMillis(50));
    d.get("http://127.0.0.1:" + apiPorts.get("gw-a") + "/");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(GatewayHarness.OPERATOR);
    d.findElement(By.id("connect")).click();
    wait.until(ExpectedConditions.textToBe(By.id("conn-text"), "Live"));

    // both members, by name, each with its destinations; gw-a is the gateway the page talks to
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("cluster")));
    wait.until(d2 -> d2.findElements(By.cssSelector("#members li.member[data-state='up']")).size() == 2);
    assertEquals(List.of("gw-a", "gw-b"), d.findElements(By.cssSelector("#members li.member")).stream()
        .map(m -> m.getAttribute("data-node")).toList(), "the members, by name");
    assertEquals("local", memberText(d, "gw-a", "member-dests"));
    assertEquals("far", memberText(d, "gw-b", "member-dests"));
    assertTrue(member(d, "gw-a").findElement(By.className("member-self")).isDisplayed(), "gw-a is this gateway");
    assertTrue(!member(d, "gw-b").findElement(By.className("member-self")).isDisplayed(), "gw-b is not");
    assertEquals("(2 members)", d.findElement(By.id("cluster-count")).getText());

    // a job for a destination only gw-b has: submitted to gw-a, placed on gw-b, followed through gw-a
    fill(d, "f-source", "ckpt:models");
    fill(d, "f-dest", "far:copy");
    fill(d, "f-rate", "24mbit"); // 24 MiB at 3 MB/s: about 8 s
    fill(d, "f-label", "placed on gw-b");
    d.findElement(By.id("submit")).click();
    wait.until(ExpectedConditions.textMatches(By.id("form-ok"), java.util.regex.Pattern.compile("^Submitted placed on gw-b")));
    WebElement card = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("li.job")));
    String id = card.getAttribute("data-job-id");
    WebElement node = card.findElement(By.className("job-node"));
    assertTrue(node.isDisplayed(), "the card names the member");
    assertEquals("gw-b", card.findElement(By.className("job-node-name")).getText());
    wait.until(ExpectedConditions.attributeToBe(By.cssSelector("li.job[data-job-id='" + id + "']"), "data-state", "running"));
    // the member's running count comes from the cluster view, re-read every 5 s
    new WebDriverWait(d, Duration.ofSeconds(20), Duration.ofMillis(100)).until(d2 ->
        "1".equals(memberText(d2, "gw-b", "member-running")));
    assertEquals("0", memberText(d, "gw-a", "member-running"));
    // live progress over the forwarded stream: the card keeps naming gw-b while its bar moves
    double first = progress(d, id);
    new WebDriverWait(d, Duration.ofSeconds(20), Duration.ofMillis(100)).until(d2 -> progress(d2, id) > first);
    assertEquals("gw-b", card.findElement(By.className("job-node-name")).getText(), "progress events name the member too");
    JsonObject job = get("gw-a", "/api/v1/jobs/" + id);
    assertEquals("gw-b", job.getString("node"), job.encode());
    System.out.println("ClusterPageBrowserTest: screenshot: " + b.shoot("web-page-cluster.png", false));
    System.out.println("ClusterPageBrowserTest: phone-width screenshot: " + b.shoot("web-page-cluster-narrow.png", true));

    new WebDriverWait(d, Duration.ofSeconds(60), Duration.ofMillis(200)).until(
        ExpectedConditions.attributeToBe(By.cssSelector("li.job[data-job-id='" + id + "']"), "data-state", "succeeded"));
    new WebDriverWait(d, Duration.ofSeconds(20), Duration.ofMillis(100)).until(d2 ->
        "0".equals(memberText(d2, "gw-b", "member-running")));

    // a broadcast over both members shows as a tree: the source, then each destination under its parent
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get("gw-a")
            + "/api/v1/broadcasts")).header("Authorization", "Bearer " + GatewayHarness.OPERATOR)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("source", "ckpt:models").put("rateLimit", "48mbit")
            .put("destinations", new io.vertx.core.json.JsonArray().add("local:bc-1").add("far:bc-1").add("local:bc-2"))
            .encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    String bc = new JsonObject(r.body()).getString("id");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("broadcasts")));
    wait.until(d2 -> broadcastRows(d2, bc).size() == 3);
    assertEquals(List.of("local:bc-1|1|on gw-a", "far:bc-1|2|on gw-b", "local:bc-2|3|on gw-a"), broadcastRows(d, bc)
        .stream().map(x -> x.get(0) + "|" + x.get(1) + "|" + x.get(4)).toList(),
        "a chain in order, each destination one level under its parent, naming its member");
    new WebDriverWait(d, Duration.ofSeconds(30), Duration.ofMillis(100)).until(d2 -> broadcastRows(d2, bc).stream()
        .anyMatch(x -> Double.parseDouble(x.get(3)) > 0));
    System.out.println("ClusterPageBrowserTest: broadcast screenshot: " + b.shoot("web-page-broadcast.png", false));
    new WebDriverWait(d, Duration.ofSeconds(90), Duration.ofMillis(200)).until(d2 -> broadcastRows(d2, bc).stream()
        .allMatch(x -> "succeeded".equals(x.get(2)) && Double.parseDouble(x.get(3)) == 100));
    assertEquals("succeeded", ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return document"
        + ".querySelector('li.broadcast[data-broadcast=\"' + arguments[0] + '\"]').dataset.state", bc));
    System.out.println("ClusterPageBrowserTest: broadcast done screenshot: " + b.shoot("web-page-broadcast-done.png", false));
    List<String> errors = b.console(Level.SEVERE);
    assertEquals(List.of(), errors, "browser console errors");
  }

  /** A broadcast's destination rows as drawn (target, depth, state, bar value, member), read in one script call. */
  @SuppressWarnings("unchecked")
  private static List<List<String>> broadcastRows(WebDriver d, String id) {
    return (List<List<String>>) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
        "return [...document.querySelectorAll('#broadcast-list li.broadcast[data-broadcast=\"' + arguments[0]"
            + " + '\"] li.broadcast-row:not(.broadcast-source)')].map(r => [r.dataset.target, r.dataset.depth,"
            + " r.dataset.state, String(r.querySelector('progress').value), r.querySelector('.broadcast-node').textContent]);",
        id);
  }

  private static double progress(WebDriver d, String id) {
    return Double.parseDouble(d.findElement(By.cssSelector("li.job[data-job-id='" + id + "'] .progress"))
        .getAttribute("aria-valuenow"));
  }

  /** The text of one part of a member's row, read in one script call. */
  private static String memberText(WebDriver d, String node, String cls) {
    return (String) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
        "const n = document.querySelector('#members li.member[data-node=\"' + arguments[0] + '\"] .' + arguments[1]);"
            + "return n ? n.textContent : null;", node, cls);
  }

  private static WebElement member(WebDriver d, String node) {
    return d.findElement(By.cssSelector("#members li.member[data-node='" + node + "']"));
  }

  private static void fill(WebDriver d, String id, String text) {
    WebElement e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  private void startMember(GatewayHarness h, Path tmp, String node, int clusterPort, List<Integer> clusterPorts,
      String destination) throws Exception {
    JsonObject c = h.memberConfig(tmp, node, node,
        new JsonObject().put(destination, tmp.resolve("dest-" + node).toString()), clusterPort, clusterPorts);
    GatewayServer g = new GatewayServer(h.vertx, GatewayConfig.parse(c, tmp));
    GatewayServer.Info info = GatewayHarness.await(g.start());
    gateways.put(node, g);
    apiPorts.put(node, info.port());
  }

  /** Waits until {@code node}'s cluster view lists {@code count} members up. */
  private void awaitMembers(String node, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonObject v = null;
    while (System.nanoTime() < deadline) {
      v = get(node, "/api/v1/cluster");
      List<String> up = new ArrayList<>();
      v.getJsonArray("members").forEach(m -> {
        if ("up".equals(((JsonObject) m).getString("state"))) {
          up.add(((JsonObject) m).getString("node"));
        }
      });
      if (up.size() == count) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(node + " never saw " + count + " members up: " + v);
  }

  private JsonObject get(String node, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get(node) + path))
        .header("Authorization", "Bearer " + GatewayHarness.VIEWER).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
