package io.shardline.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard shipped in {@code docs/grafana/}: it parses, every panel queries, every
 * series it names is one the gateway's {@code /metrics} exports (after a job ran), with labels
 * the gateway sets, and promtool accepts each expression as PromQL.
 */
@Timeout(90)
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("..", "docs", "grafana", "shardline-gateway.json");
  /** PromQL words that are not series names. */
  static final Set<String> WORDS = Set.of("sum", "by", "rate", "histogram_quantile", "without", "avg", "max", "min",
      "irate", "increase", "le", "on", "ignoring", "group_left", "group_right", "count", "topk", "offset");
  static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)\\}");

  @TempDir
  Path tmp;

  @Test
  void theDashboardQueriesOnlyWhatTheGatewayExports() throws Exception {
    JsonObject dash = new JsonObject(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
    assertEquals("shardline-gateway", dash.getString("uid"));
    List<String> exprs = new ArrayList<>();
    for (Object p : dash.getJsonArray("panels")) {
      JsonArray targets = ((JsonObject) p).getJsonArray("targets");
      assertFalse(targets == null || targets.isEmpty(), "a panel without a query: " + p);
      targets.forEach(t -> exprs.add(((JsonObject) t).getString("expr")));
    }
    Map<String, Set<String>> exported = scrape();
    for (String e : exprs) {
      String stripped = e.replaceAll("\\[[^]]*]", "").replaceAll("\"[^\"]*\"", "\"\"");
      Matcher m = IDENT.matcher(stripped.replaceAll("\\{[^}]*}", "").replaceAll("by \\([^)]*\\)", ""));
      while (m.find()) {
        String name = m.group();
        if (WORDS.contains(name) || name.matches("\\d.*")) {
          continue;
        }
        assertTrue(exported.containsKey(name), "'" + name + "' in " + e + " is not exported; the gateway has "
            + exported.keySet());
      }
      Matcher s = SELECTOR.matcher(e);
      while (s.find()) {
        for (String matcher : s.group(2).split(",")) {
          String label = matcher.split("[=!~]")[0].trim();
          assertTrue(exported.get(s.group(1)).contains(label), "label '" + label + "' of " + s.group(1) + " in " + e
              + " is not set by the gateway: " + exported.get(s.group(1)));
        }
      }
    }
    promtoolAccepts(exprs);
  }

  /** Series names and their label names, from /metrics after one job. */
  private Map<String, Set<String>> scrape() throws Exception {
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("m/a.bin"), 2_000_000, 1);
      h.startNode(o -> { }).startGateway(c -> { });
      String id = h.submit(new JsonObject().put("source", "ckpt:m").put("destination", "local:x")).getString("id");
      h.awaitState(id, "succeeded", Duration.ofSeconds(30));
      String text = h.call("GET", "/metrics", GatewayHarness.VIEWER, null).body();
      Map<String, Set<String>> names = new HashMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})?").matcher(line);
        if (m.find()) {
          Set<String> labels = names.computeIfAbsent(m.group(1), k -> new HashSet<>());
          if (m.group(3) != null) {
            for (String kv : m.group(3).split(",(?=[a-zA-Z_]+=)")) {
              labels.add(kv.substring(0, kv.indexOf('=')));
            }
          }
        }
      }
      return names;
    }
  }

  /** promtool (Debian package prometheus) parses each expression, as a recording rule. */
  private void promtoolAccepts(List<String> exprs) throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool is not installed (Debian package prometheus)");
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < exprs.size(); i++) {
      rules.append("      - record: dashboard:expr").append(i).append("\n        expr: '")
          .append(exprs.get(i).replace("'", "''")).append("'\n");
    }
    Path file = Files.writeString(tmp.resolve("rules.yml"), rules);
    Process p = new ProcessBuilder(promtool.toString(), "check", "rules", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, p.exitValue(), "promtool check rules:\n" + out);
  }
}
