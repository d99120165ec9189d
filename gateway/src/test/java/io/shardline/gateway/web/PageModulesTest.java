package io.shardline.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page's pure modules (the throughput series maths, the formats, broadcasts as trees)
 * under node's own test runner: {@code src/test/js/series.test.mjs} and {@code tree.test.mjs}, with
 * {@code webroot/series.js}, {@code format.js} and {@code tree.js} copied beside them as {@code .mjs} (node reads {@code .js} files outside a
 * {@code "type": "module"} package as CommonJS). Skipped when node is not installed.
 */
class PageModulesTest {
  static final Path GATEWAY = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void seriesAndFormats(@TempDir Path tmp) throws Exception {
    Path node = Path.of("/usr/bin/node");
    assumeTrue(Files.isExecutable(node), "skipped: no /usr/bin/node (the Debian package nodejs)");
    Path webroot = GATEWAY.resolve("src/main/resources/webroot");
    Files.copy(webroot.resolve("series.js"), tmp.resolve("series.mjs"));
    Files.copy(webroot.resolve("format.js"), tmp.resolve("format.mjs"));
    Files.copy(webroot.resolve("tree.js"), tmp.resolve("tree.mjs"));
    Files.copy(GATEWAY.resolve("src/test/js/series.test.mjs"), tmp.resolve("series.test.mjs"));
    Files.copy(GATEWAY.resolve("src/test/js/tree.test.mjs"), tmp.resolve("tree.test.mjs"));
    Process p = new ProcessBuilder(node.toString(), "--test", tmp.resolve("series.test.mjs").toString(),
        tmp.resolve("tree.test.mjs").toString())
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    System.out.println(out.lines().filter(l -> l.startsWith("# ")).reduce((a, b) -> a + "\n" + b).orElse(""));
    assertEquals(0, p.exitValue(), out);
  }
}
