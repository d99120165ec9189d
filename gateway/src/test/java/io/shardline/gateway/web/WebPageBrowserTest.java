package io.shardline.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
 * The gateway's web page in a real headless Chromium: a refused token, a job the server refuses,
 * then a job submitted through the form whose progress bar moves live (server-sent events read
 * with fetch) to 100% and whose state becomes succeeded, with a throughput chart (payload and wire
 * rate) drawn from those events; and a broadcast submitted through the form's broadcast mode to
 * three destinations, drawn as a tree whose three bars move live to 100%. Screenshots go to
 * {@code target/screenshots/}. Skipped when the system Chromium or chromedriver is missing.
 */
class WebPageBrowserTest {
  static final int FILES = 4;
  static final long FILE_BYTES = 32L << 20;
  /** 128 MiB at 200 Mbit/s: about 5 s of visible progress. */
  static final String RATE = "200mbit";
  static final String LABEL = "browser test: 4 shards";
  /**
   * Selenium warns that it has no CDP bindings for this Chromium version; none are used (full-page
   * screenshots go through chromedriver's own CDP command). Held here so the setting is not collected.
   */
  static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");

  static {
    SELENIUM_LOG.setLevel(Level.SEVERE);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS) // about 45 s alone; a loaded machine's start alone can take 40
  void submitAJobThroughTheFormAndWatchItFinish(@TempDir Path tmp) throws Exception {
    String missing = Browser.missing();
    assumeTrue(missing == null, () -> "skipped: " + missing);
    long t0 = System.nanoTime();
    try (GatewayHarness h = new GatewayHarness(tmp.resolve("gw"))) {
      for (int i = 0; i < FILES; i++) {
        GatewayHarness.file(h.source.resolve("models/shard-0000" + i + ".safetensors"), FILE_BYTES, 100 + i);
      }
      int port = freePort(); // fixed, so the page can reconnect to a restarted gateway
      h.startNode(o -> { }).startGateway(c -> c.put("listen", "127.0.0.1:" + port));
      long t1 = System.nanoTime();
      try (Browser b = Browser.start(tmp.resolve("browser"), 1280, 900)) {
        long t2 = System.nanoTime();
        System.out.printf("WebPageBrowserTest: node and gateway up in %.1f s, browser in %.1f s%n", (t1 - t0) / 1e9,
            (t2 - t1) / 1e9);
        b.drive("WebPageBrowserTest", "web-page-failure.png", () -> drive(h, b, port));
      }
    }
    System.out.printf("WebPageBrowserTest: done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS) // about 30 s alone
  void submitABroadcastThroughTheFormAndWatchItsTree(@TempDir Path tmp) throws Exception {
    String missing = Browser.missing();
    assumeTrue(missing == null, () -> "skipped: " + missing);
    try (GatewayHarness h = new GatewayHarness(tmp.resolve("gw"))) {
      for (int i = 0; i < FILES; i++) {
        GatewayHarness.file(h.source.resolve("models/shard-0000" + i + ".safetensors"), FILE_BYTES, 200 + i);
      }
      h.startNode(o -> { }).startGateway(c -> { });
      try (Browser b = Browser.start(tmp.resolve("browser"), 1280, 900)) {
        b.drive("WebPageBrowserTest (broadcast)", "web-page-broadcast-failure.png", () -> driveBroadcast(h, b));
      }
    }
  }

  /**
   * The form's broadcast mode: three destinations as a tree of fan-out 2 (the source feeds bc-a
   * and bc-b, bc-a feeds bc-c), drawn depth first with each destination under its parent, its
   * bar moving live (GET broadcasts/{id} every second) to 100%; every copy identical. Then a
   * second one cancelled with its card's two-click Cancel.
   */
  private void driveBroadcast(GatewayHarness h, Browser b) throws Exception {
    WebDriver d = b.driver;
    WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(15), Duration.ofMillis(50));
    d.get(h.base() + "/");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(GatewayHarness.OPERATOR);
    d.findElement(By.id("connect")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("job-form")));
    assertTrue(!d.findElement(By.id("broadcasts")).isDisplayed(), "no broadcast, no section");
    assertTrue(!d.findElement(By.id("f-dests")).isDisplayed(), "the destinations field is a broadcast's");

    new org.openqa.selenium.support.ui.Select(d.findElement(By.id("f-mode"))).selectByValue("broadcast");
    assertTrue(d.findElement(By.id("f-dests")).isDisplayed() && !d.findElement(By.id("f-dest")).isDisplayed(),
        "a broadcast lists its destinations instead of one");
    assertEquals("Submit broadcast", d.findElement(By.id("submit")).getText());
    fill(d, "f-source", "ckpt:models");
    fill(d, "f-dests", "local:bc-a\nlocal:bc-a");
    d.findElement(By.id("submit")).click();
    WebElement formError = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("form-error")));
    assertTrue(formError.getText().contains("local:bc-a is listed twice"), formError.getText());

    fill(d, "f-dests", "local:bc-a\nlocal:bc-b\n\nlocal:bc-c\n");
    new org.openqa.selenium.support.ui.Select(d.findElement(By.id("f-shape"))).selectByValue("tree");
    assertTrue(d.findElement(By.id("f-fanout")).isDisplayed(), "a tree asks for its fan-out");
    fill(d, "f-rate", RATE);
    fill(d, "f-label", "browser broadcast");
    d.findElement(By.id("submit")).click();
    WebElement ok = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("form-ok")));
    assertTrue(ok.getText().matches("Submitted broadcast browser broadcast \\(.+\\) to 3 destinations\\."), ok.getText());
    String id = ok.getText().replaceAll(".*\\((.+)\\).*", "$1");
    // every value a bar takes while its destination runs, as the page draws it
    ((org.openqa.selenium.JavascriptExecutor) d).executeScript("window.broadcastBars = [];"
        + "new MutationObserver((ms) => { for (const m of ms) { const r = m.target.closest('li.broadcast-row');"
        + " if (r && r.dataset.state === 'running' && m.target.value > 0 && m.target.value < 100)"
        + " window.broadcastBars.push(r.dataset.target + ' ' + m.target.value); } })"
        + ".observe(document.getElementById('broadcast-list'), {subtree: true, attributes: true, attributeFilter: ['value']});");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("broadcasts")));
    wait.until(d2 -> broadcastRows(d2, id).size() == 3);

    JsonObject view = h.call("GET", "/api/v1/broadcasts/" + id, GatewayHarness.VIEWER, null).json();
    assertEquals(3, h.call("GET", "/api/v1/jobs?broadcast=" + id, GatewayHarness.VIEWER, null).json()
        .getJsonArray("jobs").size(), "three jobs, one per destination");
    Map<String, String> parent = new java.util.HashMap<>();
    for (Object o : view.getJsonArray("destinations")) {
      JsonObject dest = (JsonObject) o;
      parent.put(dest.getString("target"), dest.getJsonArray("upstreams").isEmpty() ? "source"
          : dest.getJsonArray("upstreams").getString(0));
    }
    assertEquals(Map.of("local:bc-a", "source", "local:bc-b", "source", "local:bc-c", "local:bc-a"), parent,
        "the gateway's plan: a tree of fan-out 2, filled breadth first");
    assertEquals(List.of("local:bc-a|1", "local:bc-c|2", "local:bc-b|1"), broadcastRows(d, id).stream()
        .map(x -> x.get(0) + "|" + x.get(1)).toList(), "depth first, each destination under its parent");
    assertEquals("ckpt:models", d.findElement(By.cssSelector(
        "li.broadcast[data-broadcast='" + id + "'] .broadcast-source .broadcast-target")).getText(), "the source at the root");

    new WebDriverWait(d, Duration.ofSeconds(30), Duration.ofMillis(100)).until(d2 -> broadcastRows(d2, id).stream()
        .anyMatch(x -> "running".equals(x.get(2)) && Double.parseDouble(x.get(3)) > 0));
    System.out.println("WebPageBrowserTest: broadcast tree screenshot: "
        + b.shootElement(By.id("broadcasts"), "web-page-broadcast-tree.png"));
    new WebDriverWait(d, Duration.ofSeconds(60), Duration.ofMillis(200)).until(d2 -> broadcastRows(d2, id).stream()
        .allMatch(x -> "succeeded".equals(x.get(2)) && Double.parseDouble(x.get(3)) == 100));
    wait.until(ExpectedConditions.attributeToBe(By.cssSelector("li.broadcast[data-broadcast='" + id + "']"),
        "data-state", "succeeded"));
    assertEquals("3 of 3 destinations done", d.findElement(By.cssSelector(
        "li.broadcast[data-broadcast='" + id + "'] .broadcast-summary")).getText());
    assertTrue(!d.findElement(By.cssSelector("li.broadcast[data-broadcast='" + id + "'] .broadcast-cancel")).isDisplayed(),
        "no Cancel on a broadcast that ended");
    List<?> bars = (List<?>) ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return window.broadcastBars;");
    assertTrue(bars.size() >= 2, "the bars moved live, saw " + bars);
    System.out.println("WebPageBrowserTest: broadcast done screenshot: " + b.shoot("web-page-broadcast-tree-done.png", false));

    // a second, slow one, cancelled with its two-click Cancel: every job of it ends cancelled
    fill(d, "f-dests", "local:bc-x\nlocal:bc-y");
    fill(d, "f-rate", "40mbit");
    fill(d, "f-label", "to be cancelled");
    d.findElement(By.id("submit")).click();
    wait.until(ExpectedConditions.textMatches(By.id("form-ok"), java.util.regex.Pattern.compile("^Submitted broadcast to be cancelled")));
    String id2 = d.findElement(By.id("form-ok")).getText().replaceAll(".*\\((.+)\\).*", "$1");
    By card2 = By.cssSelector("li.broadcast[data-broadcast='" + id2 + "']");
    assertEquals(id2, d.findElement(By.cssSelector("#broadcast-list > li.broadcast")).getAttribute("data-broadcast"),
        "the newest broadcast first");
    new WebDriverWait(d, Duration.ofSeconds(30), Duration.ofMillis(100)).until(d2 -> broadcastRows(d2, id2).stream()
        .anyMatch(x -> "running".equals(x.get(2))));
    WebElement cancel = d.findElement(By.cssSelector("li.broadcast[data-broadcast='" + id2 + "'] .broadcast-cancel"));
    cancel.click();
    assertEquals("Confirm cancel", cancel.getText(), "the first click asks to confirm");
    cancel.click();
    wait.until(ExpectedConditions.attributeToBe(card2, "data-state", "failed"));
    wait.until(d2 -> broadcastRows(d2, id2).stream().allMatch(x -> "cancelled".equals(x.get(2))));
    assertEquals("failed", h.call("GET", "/api/v1/broadcasts/" + id2, GatewayHarness.VIEWER, null).json().getString("state"));
    assertEquals("succeeded", d.findElement(By.cssSelector("li.broadcast[data-broadcast='" + id + "']"))
        .getAttribute("data-state"), "the first one is still shown, succeeded");

    for (String dest : List.of("bc-a", "bc-b", "bc-c")) {
      for (int i = 0; i < FILES; i++) {
        String name = "shard-0000" + i + ".safetensors";
        assertEquals(-1L, Files.mismatch(h.source.resolve("models/" + name), h.dest.resolve(dest + "/" + name)),
            dest + "/" + name);
      }
    }
    assertEquals(List.of(), consoleErrors(b), "browser console errors");
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

  private void drive(GatewayHarness h, Browser b, int port) throws Exception {
    WebDriver d = b.driver;
    WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(15), Duration.ofMillis(50));
    d.get(h.base() + "/");
    assertEquals("Shardline gateway", d.getTitle());

    // a token the gateway does not know: the server's problem detail is shown, the token asked again
    WebElement token = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    token.sendKeys("not-a-valid-token");
    d.findElement(By.id("connect")).click();
    WebElement loginError = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
    assertTrue(loginError.getText().contains("the bearer token is not valid"), loginError.getText());
    b.shoot("web-page-login.png", false);

    d.findElement(By.id("token")).sendKeys(GatewayHarness.OPERATOR);
    d.findElement(By.id("connect")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("job-form")));
    wait.until(ExpectedConditions.textToBe(By.id("conn-text"), "Live"));
    assertTrue(!d.findElement(By.id("cluster")).isDisplayed(), "a gateway alone shows no cluster section");

    // a job the server refuses (the contract accepts it, the config has no such remote): problem detail shown
    fill(d, "f-source", "nope:models");
    fill(d, "f-dest", "local:from-browser");
    d.findElement(By.id("submit")).click();
    WebElement formError = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("form-error")));
    assertTrue(formError.getText().contains("400") && formError.getText().contains("unknown remote 'nope'"),
        formError.getText());

    // the real job
    fill(d, "f-source", "ckpt:models");
    fill(d, "f-rate", RATE);
    fill(d, "f-label", LABEL);
    d.findElement(By.id("submit")).click();
    WebElement ok = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("form-ok")));
    assertTrue(ok.getText().startsWith("Submitted " + LABEL), ok.getText());
    assertTrue(!d.findElement(By.id("form-error")).isDisplayed(), "the old error is cleared");
    WebElement card = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("li.job")));
    String id = card.getAttribute("data-job-id");
    recordBar(d, id); // first: on a loaded machine the job can pass 30% before the checks below are done
    assertEquals(1, d.findElements(By.cssSelector("li.job")).size(), "one job, the refused one made none");
    assertTrue(ok.getText().contains(id), ok.getText());
    assertEquals(LABEL, card.findElement(By.className("job-name")).getText());
    assertTrue(!card.findElement(By.className("job-node")).isDisplayed(), "a gateway alone names no member");
    assertEquals("ckpt:models", card.findElement(By.className("job-source")).getText());
    assertEquals("local:from-browser", card.findElement(By.className("job-dest")).getText());

    // watch the bar move live past 30%, pause and resume it with the buttons, and watch it finish;
    // it must move in many steps: the list is only re-read every 5 s, so they come from the events
    TreeSet<Double> between = new TreeSet<>();
    List<String> rates = new ArrayList<>();
    Map<String, Object> seen = watch(d, id, s -> percent(s) >= 30, between, rates);
    assertEquals("running", seen.get("state"), "running past 30%: " + seen);
    // at once: it has a few seconds left (a screenshot on a loaded machine can take them all)
    action(d, id, "pause").click();
    wait.until(ExpectedConditions.attributeToBe(card(id), "data-state", "paused"));
    assertTrue(!action(d, id, "pause").isDisplayed() && action(d, id, "resume").isDisplayed(), "pause gives way to resume");
    assertButtons(h, d, id, "paused", "cancel", "rate", "resume");
    action(d, id, "resume").click();
    seen = watch(d, id, s -> !"paused".equals(s.get("state")) && !"running".equals(s.get("state"))
        && !"queued".equals(s.get("state")), between, rates);
    assertEquals("succeeded", seen.get("state"), "final state in the page: " + seen);
    assertEquals(100.0, percent(seen), "bar value: " + seen);
    assertEquals("100%", seen.get("percent"), "percent text: " + seen);
    assertEquals("100%", seen.get("width"), "bar width: " + seen);
    assertEquals("128 MiB of 128 MiB", seen.get("bytes"), "bytes text: " + seen);
    assertEquals("4 / 4", seen.get("files"), "files text: " + seen);
    assertEquals("done", seen.get("eta"), "eta text: " + seen);
    between.addAll(recordedBar(d));
    assertChart(d, id, 4);
    assertTrue(between.size() >= 4, "the bar moved live through several values, saw " + between);
    assertTrue(rates.stream().anyMatch(r -> r.matches("[0-9.]+ [kMG]bit/s")), "a rate in bit units, saw " + rates);
    assertEquals(0, d.findElements(By.cssSelector("li.job[data-job-id='" + id + "'] [data-action]")).stream()
        .filter(WebElement::isDisplayed).count(), "no buttons on a finished job");
    assertButtons(h, d, id, "succeeded");

    // its details: the audit log (pause and resume included) and each file's digest
    d.findElement(By.cssSelector("li.job[data-job-id='" + id + "'] .job-details > summary")).click();
    wait.until(d2 -> d2.findElements(By.cssSelector("li.job[data-job-id='" + id + "'] .job-log li")).size() >= 5);
    String log = d.findElement(By.cssSelector("li.job[data-job-id='" + id + "'] .job-log")).getText();
    for (String type : List.of("submitted", "started", "paused", "resumed", "succeeded")) {
      assertTrue(log.contains(type), "audit log shows " + type + ": " + log);
    }
    assertTrue(log.contains("by alice"), log);
    List<WebElement> digests = d.findElements(By.cssSelector("li.job[data-job-id='" + id + "'] .digests tbody tr"));
    assertEquals(FILES, digests.size(), "one digest per file");
    assertTrue(digests.get(0).getText().matches("shard-00000\\.safetensors\\s+[0-9a-f]{64}"), digests.get(0).getText());

    // a second job, cancelled with the two-click Cancel button; it is listed first (newest first)
    fill(d, "f-dest", "local:cancelled-copy");
    fill(d, "f-rate", "40mbit");
    fill(d, "f-label", "to be cancelled");
    d.findElement(By.id("submit")).click();
    wait.until(ExpectedConditions.textMatches(By.id("form-ok"), java.util.regex.Pattern.compile("^Submitted to be cancelled")));
    String id2 = d.findElement(By.cssSelector("li.job")).getAttribute("data-job-id");
    assertTrue(!id2.equals(id) && d.findElement(By.id("form-ok")).getText().contains(id2), "the new job is first");
    wait.until(ExpectedConditions.attributeToBe(card(id2), "data-state", "running"));
    assertButtons(h, d, id2, "running", "cancel", "pause", "rate");
    System.out.println("WebPageBrowserTest: screenshot while running: " + b.shoot("web-page-running.png", false));
    action(d, id2, "rate").click();
    WebElement rate = d.findElement(By.id("rate-" + id2));
    assertEquals("40mbit", rate.getAttribute("value"), "the form starts from the current limit");
    rate.clear();
    rate.sendKeys("80mbit");
    d.findElement(By.cssSelector("li.job[data-job-id='" + id2 + "'] .rate-form button[type='submit']")).click();
    wait.until(ExpectedConditions.textMatches(By.cssSelector("li.job[data-job-id='" + id2 + "'] .job-meta"),
        java.util.regex.Pattern.compile("limit 80 Mbit/s")));
    assertEquals(10_000_000L, h.call("GET", "/api/v1/jobs/" + id2, GatewayHarness.VIEWER, null).json().getLong("rateLimit"));

    // the gateway restarts under the page: its event stream drops, the page says so, reconnects
    // (with Last-Event-ID) and follows the resumed job live again
    assertEquals(List.of(), consoleErrors(b), "browser console errors");
    double before = percent(snapshot(d, id2));
    h.stopGateway();
    wait.until(ExpectedConditions.textToBe(By.id("conn-text"), "Reconnecting…"));
    h.startGateway(c -> c.put("listen", "127.0.0.1:" + port));
    wait.until(ExpectedConditions.textMatches(By.cssSelector("li.job[data-job-id='" + id2 + "'] .job-meta"),
        java.util.regex.Pattern.compile("attempt 2")));
    b.console(Level.ALL); // drops what the restart logged: the cut stream, the refused reconnects
    TreeSet<Double> after = new TreeSet<>();
    watch(d, id2, s -> after.size() >= 4, after, new ArrayList<>());
    assertTrue(after.size() >= 4 && after.first() >= before, "live progress after the restart: " + before + " then " + after);
    assertChart(d, id2, 8);
    System.out.println("WebPageBrowserTest: throughput chart screenshot: " + b.shootElement(card(id2), "web-page-chart.png"));
    assertEquals("Live", d.findElement(By.id("conn-text")).getText());
    WebElement cancel = action(d, id2, "cancel");
    cancel.click();
    assertEquals("Confirm cancel", cancel.getText(), "the first click asks to confirm");
    assertEquals("running", d.findElement(card(id2)).getAttribute("data-state"), "nothing cancelled yet");
    cancel.click();
    wait.until(ExpectedConditions.attributeToBe(card(id2), "data-state", "cancelled"));
    assertEquals("cancelled", h.call("GET", "/api/v1/jobs/" + id2, GatewayHarness.VIEWER, null).json().getString("state"));
    assertButtons(h, d, id2, "cancelled");

    // what the page showed is what the gateway did
    JsonObject job = h.call("GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null).json();
    assertEquals("succeeded", job.getString("state"), job.encode());
    assertEquals(LABEL, job.getString("label"));
    assertEquals(25_000_000L, job.getLong("rateLimit"), "200mbit = 25 MB/s");
    for (int i = 0; i < FILES; i++) {
      String name = "shard-0000" + i + ".safetensors";
      assertEquals(-1L, Files.mismatch(h.source.resolve("models/" + name), h.dest.resolve("from-browser/" + name)), name);
    }

    assertEquals(List.of(), consoleErrors(b), "browser console errors after the restart");

    System.out.println("WebPageBrowserTest: screenshot: " + b.shoot("web-page.png", false));
    System.out.println("WebPageBrowserTest: phone-width screenshot: " + b.shoot("web-page-narrow.png", true));

    // a viewer watches: the page asks the gateway for the token's role and offers no mutation
    d.findElement(By.id("signout")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(GatewayHarness.VIEWER);
    d.findElement(By.id("connect")).click();
    wait.until(d2 -> d2.findElements(By.cssSelector("li.job")).size() == 2);
    assertEquals("", d.findElement(By.id("f-source")).getAttribute("value"), "the form was reset at sign-out");
    assertTrue(d.findElement(By.id("role-badge")).isDisplayed() && d.findElement(By.id("readonly-note")).isDisplayed(),
        "read-only mode is shown");
    assertTrue(!d.findElement(By.id("submit")).isEnabled() && !d.findElement(By.id("f-source")).isEnabled(),
        "the form is disabled for a viewer");
    assertEquals(2, h.call("GET", "/api/v1/jobs", GatewayHarness.VIEWER, null).json().getInteger("total"), "no job added");
    b.shoot("web-page-viewer.png", true);
  }

  /**
   * The job's throughput chart has at least {@code min} points in both series (payload and wire,
   * drawn as SVG polylines), a rate scale in bit/s units and a time axis, and is shown.
   */
  @SuppressWarnings("unchecked")
  private static void assertChart(WebDriver d, String id, int min) {
    Map<String, Object> c = (Map<String, Object>) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
        "const n = document.querySelector('li.job[data-job-id=\"' + arguments[0] + '\"]');"
            + "const f = n.querySelector('.job-chart'); const svg = f.querySelector('svg.chart');"
            + "const pairs = (cls) => (svg.querySelector('polyline.' + cls).getAttribute('points') || '').trim()"
            + "  .split(/\\s+/).filter(Boolean);"
            + "const nums = (cls) => pairs(cls).map((p) => p.split(',').map(Number));"
            + "return {hidden: f.hidden, points: Number(svg.dataset.points), top: Number(svg.dataset.top),"
            + " payload: nums('series-payload'), wire: nums('series-wire'),"
            + " y: [...svg.querySelectorAll('.chart-y text')].map((t) => t.textContent),"
            + " x: [...svg.querySelectorAll('.chart-x text')].map((t) => t.textContent),"
            + " legend: f.querySelector('.chart-legend').textContent.replace(/\\s+/g, ' ').trim()};",
        id);
    String what = "chart of " + id + ": " + c;
    assertEquals(false, c.get("hidden"), what);
    List<List<Number>> payload = (List<List<Number>>) c.get("payload");
    List<List<Number>> wire = (List<List<Number>>) c.get("wire");
    assertTrue(payload.size() >= min && wire.size() >= min, what);
    assertEquals(((Number) c.get("points")).intValue(), payload.size(), what);
    assertTrue(payload.stream().allMatch(p -> p.size() == 2), what);
    assertTrue(payload.stream().anyMatch(p -> p.get(1).doubleValue() < 100)
        && wire.stream().anyMatch(p -> p.get(1).doubleValue() < 100), "both series rise above the bottom: " + what);
    assertTrue(((Number) c.get("top")).doubleValue() > 0, what);
    List<String> y = (List<String>) c.get("y");
    assertTrue(y.size() >= 3 && y.get(0).equals("0") && y.subList(1, y.size()).stream()
        .allMatch(l -> l.matches("[0-9.]+ [kMG]bit/s")), "rate labels in bit units: " + what);
    assertTrue(!((List<String>) c.get("x")).isEmpty() && ((List<String>) c.get("x")).stream()
        .allMatch(l -> l.matches("[0-9]+ s|[0-9]+ min|[0-9]+:[0-9]{2}")), "time labels: " + what);
    assertTrue(((String) c.get("legend")).matches("Payload .* Wire .*"), "the legend names both series: " + what);
  }

  /** Polls the page's view of the job until {@code done} holds; notes the bar's values and rates while running. */
  private static Map<String, Object> watch(WebDriver d, String id, java.util.function.Predicate<Map<String, Object>> done,
      TreeSet<Double> between, List<String> rates) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
    Map<String, Object> s = snapshot(d, id);
    while (!done.test(s) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      s = snapshot(d, id);
      if ("running".equals(s.get("state")) && percent(s) > 0 && percent(s) < 100) {
        between.add(percent(s));
        rates.add((String) s.get("rate"));
      }
    }
    return s;
  }

  /**
   * Records in the page every value the job's bar takes while the job is running, as the page
   * renders it (so even values shown between two of this test's polls are seen).
   */
  private static void recordBar(WebDriver d, String id) {
    ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
        "const n = document.querySelector('li.job[data-job-id=\"' + arguments[0] + '\"]');"
            + "window.barValues = [];"
            + "new MutationObserver(() => { const v = Number(n.querySelector('.progress').getAttribute('aria-valuenow'));"
            + " if (n.dataset.state === 'running' && v > 0 && v < 100) window.barValues.push(v); })"
            + ".observe(n.querySelector('.progress'), {attributes: true, attributeFilter: ['aria-valuenow']});",
        id);
  }

  private static List<Double> recordedBar(WebDriver d) {
    List<?> values = (List<?>) ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return window.barValues;");
    return values.stream().map(v -> ((Number) v).doubleValue()).toList();
  }

  private static double percent(Map<String, Object> snapshot) {
    return ((Number) snapshot.get("now")).doubleValue();
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * The job's card shows exactly the buttons of the actions the gateway lists for it, which are
   * {@code expected} for a job in {@code state}: the page keeps no state table of its own.
   */
  private static void assertButtons(GatewayHarness h, WebDriver d, String id, String state, String... expected)
      throws Exception {
    JsonObject job = h.call("GET", "/api/v1/jobs/" + id, GatewayHarness.VIEWER, null).json();
    assertEquals(state, job.getString("state"), job.encode());
    assertEquals(new TreeSet<>(List.of(expected)), new TreeSet<>(job.getJsonArray("actions").getList()),
        "the gateway's actions for a " + state + " job");
    TreeSet<String> shown = new TreeSet<>();
    for (WebElement b : d.findElements(By.cssSelector("li.job[data-job-id='" + id + "'] button[data-action]"))) {
      if (b.isDisplayed()) {
        shown.add(b.getAttribute("data-action"));
      }
    }
    assertEquals(new TreeSet<>(List.of(expected)), shown, "the buttons of a " + state + " job");
    assertEquals(expected.length == 0, !d.findElement(By.cssSelector("li.job[data-job-id='" + id + "'] .job-actions"))
        .isDisplayed(), "the button row shows only with buttons in it");
  }

  private static By card(String id) {
    return By.cssSelector("li.job[data-job-id='" + id + "']");
  }

  private static WebElement action(WebDriver d, String id, String action) {
    return d.findElement(By.cssSelector("li.job[data-job-id='" + id + "'] button[data-action='" + action + "']"));
  }

  /**
   * Errors in the browser console since the last look, except the statuses of the requests this
   * test makes fail on purpose (a bad token, an unknown remote, a viewer's submission).
   */
  private static List<String> consoleErrors(Browser b) {
    return b.console(Level.SEVERE).stream()
        .filter(m -> !m.matches("(?s).* - Failed to load resource: the server responded with a status of 40[013] .*"))
        .toList();
  }

  private static void fill(WebDriver d, String id, String text) {
    WebElement e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  /** What the page shows for one job, read in one script call. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> snapshot(WebDriver d, String id) {
    return (Map<String, Object>) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
        "const n = document.querySelector('li.job[data-job-id=\"' + arguments[0] + '\"]');"
            + "if (!n) return {state: 'missing', now: -1};"
            + "const t = (c) => n.querySelector('.' + c).textContent;"
            + "return {state: t('job-state'), now: Number(n.querySelector('.progress').getAttribute('aria-valuenow')),"
            + " percent: t('job-percent'), width: n.querySelector('.progress-fill').style.width, rate: t('job-rate'),"
            + " bytes: t('job-bytes'), files: t('job-files'), eta: t('job-eta')};",
        id);
  }
}
