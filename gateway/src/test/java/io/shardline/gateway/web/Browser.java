package io.shardline.gateway.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Test harness: the system's headless Chromium driven through the system's chromedriver (never a
 * downloaded one: Selenium Manager is not asked), with a fresh profile. {@link #close()} quits the
 * browser and then ends, by PID, every chromedriver or Chromium process it started that is still
 * alive.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  final ChromeDriver driver;
  final Path log;
  private final ChromeDriverService service;
  private final Set<Long> before;

  private Browser(ChromeDriverService service, ChromeDriver driver, Path log, Set<Long> before) {
    this.service = service;
    this.driver = driver;
    this.log = log;
    this.before = before;
  }

  /** Why this machine cannot run the browser test, or null when it can. */
  static String missing() {
    for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(p)) {
        return p + " is missing: install the Debian packages chromium and chromium-driver (see .ci/run)";
      }
    }
    return null;
  }

  static Browser start(Path dir, int width, int height) throws IOException {
    Files.createDirectories(dir);
    Path profile = Files.createDirectories(dir.resolve("profile"));
    Path log = dir.resolve("chromedriver.log");
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    Set<Long> before = ours();
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(log.toFile())
        .withTimeout(Duration.ofSeconds(20))
        .build();
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
        "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    o.setCapability("goog:loggingPrefs", logs);
    ChromeDriver driver;
    try {
      driver = new ChromeDriver(service, o);
    } catch (RuntimeException e) {
      service.stop();
      killStarted(before);
      throw e;
    }
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20)).scriptTimeout(Duration.ofSeconds(10));
    return new Browser(service, driver, log, before);
  }

  /** The browser console's messages at {@code level} or above, as text. */
  List<String> console(Level level) {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= level.intValue())
        .map(e -> e.getLevel() + " " + e.getMessage())
        .collect(Collectors.toList());
  }

  /** What a test does in the browser. */
  interface Script {
    void run() throws Exception;
  }

  /**
   * Runs {@code script}; when it fails, prints {@code what} with the browser console and the tail
   * of chromedriver's log and saves the page as {@code failureShot}, then fails as it did.
   */
  void drive(String what, String failureShot, Script script) throws Exception {
    try {
      script.run();
    } catch (AssertionError | RuntimeException e) {
      System.err.println(what + " failed; browser console:\n  " + String.join("\n  ", console(Level.ALL))
          + "\nchromedriver log tail:\n" + logTail());
      try {
        System.err.println("screenshot: " + shoot(failureShot, false));
      } catch (Exception x) {
        e.addSuppressed(x);
      }
      throw e;
    }
  }

  /** The last lines of chromedriver's log, for a failure message. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no chromedriver log: " + e.getMessage() + ")";
    }
  }

  /**
   * Saves a screenshot of the whole page (not just the window) under target/screenshots; with
   * {@code phone}, as a 390 px wide phone shows it, after checking nothing scrolls sideways there.
   */
  Path shoot(String name, boolean phone) throws Exception {
    ChromeDriver d = driver;
    d.executeScript("window.scrollTo(0, 0); if (document.activeElement) document.activeElement.blur();");
    if (phone) {
      d.executeCdpCommand("Emulation.setDeviceMetricsOverride",
          Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
      // two frames: what the page redraws on resize (the throughput charts) is drawn before the shot
      d.executeAsyncScript("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));");
    }
    try {
      Number width = (Number) d.executeScript("return document.documentElement.scrollWidth");
      Number height = (Number) d.executeScript("return document.documentElement.scrollHeight");
      if (phone) {
        Number client = (Number) d.executeScript("return document.documentElement.clientWidth");
        if (width.intValue() > client.intValue()) {
          throw new AssertionError("no sideways scrolling on a phone: " + width + " > " + client);
        }
      }
      Map<String, Object> shot = d.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
          "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", width, "height",
              Math.min(height.intValue(), 6000), "scale", 1)));
      Path dir = Path.of(System.getProperty("basedir", ".")).resolve("target/screenshots").toAbsolutePath();
      Files.createDirectories(dir);
      Path out = dir.resolve(name);
      Files.write(out, Base64.getDecoder().decode((String) shot.get("data")));
      return out;
    } finally {
      if (phone) {
        d.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
      }
    }
  }
  /** Saves a screenshot of one element (scrolled into view) under target/screenshots. */
  Path shootElement(org.openqa.selenium.By element, String name) throws Exception {
    org.openqa.selenium.WebElement e = driver.findElement(element);
    driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", e);
    byte[] png = e.getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
    Path dir = Path.of(System.getProperty("basedir", ".")).resolve("target/screenshots").toAbsolutePath();
    Files.createDirectories(dir);
    Path out = dir.resolve(name);
    Files.write(out, png);
    return out;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } catch (RuntimeException e) {
      System.err.println("Browser: quit failed: " + e);
    } finally {
      service.stop();
      killStarted(before);
    }
  }

  /** Descendant processes of this JVM that are chromedriver or Chromium. */
  private static Set<Long> ours() {
    return ProcessHandle.current().descendants().filter(Browser::isBrowser).map(ProcessHandle::pid)
        .collect(Collectors.toSet());
  }

  private static boolean isBrowser(ProcessHandle p) {
    String cmd = p.info().command().orElse("");
    return cmd.contains("chromedriver") || cmd.contains("chromium");
  }

  /** Ends the browser processes started since {@code before} that are still alive, by PID. */
  private static void killStarted(Set<Long> before) {
    Map<Long, ProcessHandle> left = ProcessHandle.current().descendants()
        .filter(Browser::isBrowser).filter(p -> !before.contains(p.pid()))
        .collect(Collectors.toMap(ProcessHandle::pid, p -> p));
    for (ProcessHandle p : left.values()) {
      p.destroy();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    for (ProcessHandle p : left.values()) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }
}
