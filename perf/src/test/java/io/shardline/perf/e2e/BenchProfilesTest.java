package io.shardline.perf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code peers}, {@code compression} and {@code https} profiles (the first two what the former
 * {@code engine-vs-peers.sh} and {@code compression.sh} measured): what they run, how options
 * override them, and the figures their reports compute — best-peer ratios, compression speed-ups,
 * the head-to-head ratios with run 1 apart — from known runs; the clients' command lines and
 * output parsers of the two HTTPS comparisons.
 */
class BenchProfilesTest {
  private static final DataSet BF16 = new DataSet("bert-bf16", "test", Path.of("/nonexistent"), List.of("f"), 2_000_000_000L);

  @Test
  void peersIsShardlineWithPullDefaultsAgainstNginxOnTheTwoScriptSets() {
    Profile p = Profile.named("peers");
    assertEquals(3, p.runs());
    assertEquals(List.of(4), p.lanes());
    assertEquals(List.of("auto"), p.compressions());
    assertEquals(List.of("random", "small"), p.sets());
    assertEquals(List.of("shardline", "nginx", "node-https", "pull-https"), p.tools());
    assertEquals(512, p.fileMiB());
    assertEquals(4, p.largeFiles());
    assertEquals(10_000, p.smallFiles());
    assertEquals(64, p.smallKiB());
    assertTrue(p.verifyAll());
    assertTrue(p.linkRates().isEmpty() && p.memoryMiB().isEmpty());
    assertNull(p.rateLimit());
  }

  @Test
  void compressionRunsEveryModeAndRateLimitsOnlyBertBf16() {
    Profile p = Profile.named("compression");
    assertEquals(List.of("none", "zstd", "planes", "auto"), p.compressions());
    assertEquals(List.of("bert-fp32", "bert-bf16", "random"), p.sets());
    assertEquals(List.of("shardline"), p.tools());
    assertTrue(p.bert());
    assertTrue(p.rateLimited("bert-bf16"));
    assertFalse(p.rateLimited("bert-fp32"));
    assertFalse(p.rateLimited("random"));

    ShardlineTool tool = new ShardlineTool(null, List.of(), false); // cases() needs no server
    List<String> bf16 = tool.cases(p, BF16).stream().map(Case::id).toList();
    assertEquals(List.of("shardline-l4-none", "shardline-l4-zstd", "shardline-l4-planes", "shardline-l4-auto",
        "shardline-l4-none-1gbit", "shardline-l4-zstd-1gbit", "shardline-l4-planes-1gbit", "shardline-l4-auto-1gbit"), bf16);
    DataSet random = new DataSet("random", "test", Path.of("/nonexistent"), List.of("f"), 1);
    assertEquals(4, tool.cases(p, random).size());
    assertEquals("1gbit", tool.cases(p, BF16).get(7).rateLimit());
    assertEquals("Shardline 4 lanes, planes, --rate-limit 1gbit", tool.cases(p, BF16).get(6).label());
  }

  @Test
  void theOtherProfilesAreUnchanged() {
    for (String n : List.of("full", "quick", "tiny")) {
      Profile p = Profile.named(n);
      assertEquals(List.of("none", "auto"), p.compressions(), n);
      assertEquals(Profile.ALL_TOOLS, p.tools(), n);
      assertNull(p.rateLimit(), n);
      assertFalse(p.verifyAll(), n);
    }
  }

  @Test
  void optionsOverrideTheProfile() {
    BenchMain m = parse("--profile", "compression", "--runs", "1", "--compressions", "none,planes", "--rate-limit", "200mbit",
        "--sets", "bf16,random", "--verify", "all", "--pull-args", " --chunk-size  8MiB ");
    Profile p = m.profile();
    assertEquals("compression", p.name());
    assertEquals(1, p.runs());
    assertEquals(List.of("none", "planes"), p.compressions());
    assertEquals("200mbit", p.rateLimit());
    assertTrue(p.rateLimited("bf16") && p.rateLimited("random")); // given on the command line: every set
    assertTrue(p.verifyAll());
    assertEquals(List.of("--chunk-size", "8MiB"), m.pullArgs());

    Profile links = parse("--link-mib", "2048", "--link-rates", "10gbit", "--lanes", "2").profile();
    assertEquals(List.of(2), links.lanes());
    assertEquals(2048, links.linkMiB());
    assertEquals(List.of("10gbit"), links.linkRates());
    assertEquals(Profile.named("full").runs(), links.runs());

    Profile q = parse("--quick").profile();
    assertEquals("quick", q.name());
    assertEquals(List.of(), parse("--quick").pullArgs());
    assertFalse(parse("--profile", "peers", "--verify", "sample").profile().verifyAll());
  }

  @Test
  void badOptionsAreRejectedBeforeAnythingRuns() {
    for (String[] args : List.of(new String[] {"--profile", "nope"}, new String[] {"--compressions", "none,gzip"},
        new String[] {"--rate-limit", "fast"}, new String[] {"--verify", "some"}, new String[] {"--link-rates", "1gbit,fast"},
        new String[] {"--link-mib", "0"}, new String[] {"--lanes", "0"})) {
      BenchMain m = parse(args);
      CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, m::profile, String.join(" ", args));
      assertTrue(e.getMessage().contains(args[1].split(",")[args[1].split(",").length - 1]), e.getMessage());
    }
  }

  @Test
  void compressionSpeedUpIsOverNoneWithTheSameLanesAndRate() {
    SetResult s = new SetResult(BF16);
    add(s, Case.shardline(4, "none", null), 2.0, 2.2, 2.4);
    add(s, Case.shardline(4, "planes", null), 1.0, 0.9, 1.2);
    add(s, Case.shardline(4, "none", "1gbit"), 16.0, 17.0, 18.0);
    add(s, Case.shardline(4, "planes", "1gbit"), 11.0, 11.5, 12.0);
    add(s, Case.shardline(4, "zstd", "1gbit")); // every run failed: no figure, not a crash
    CaseResult planes = s.cases.get("shardline-l4-planes");
    CaseResult planesLimited = s.cases.get("shardline-l4-planes-1gbit");
    assertEquals(2.2 / 1.0, planes.speedUpOver(s.uncompressed(planes.c)), 1e-9);
    assertEquals(17.0 / 11.5, planesLimited.speedUpOver(s.uncompressed(planesLimited.c)), 1e-9);
    assertNull(s.uncompressed(s.cases.get("shardline-l4-none").c));
    assertTrue(Double.isNaN(s.cases.get("shardline-l4-zstd-1gbit").engineSeconds()));
    assertEquals("shardline-l4-planes", s.bestShardline().c.id()); // rate-limited cases never compete

    Scenario sc = new Scenario("loopback", "test");
    sc.sets.add(s);
    String md = Report.markdown(meta(), List.of(sc), List.of(), Map.of(), Map.of());
    assertTrue(md.contains("Compression on bert-bf16"), md);
    assertTrue(md.contains("| Shardline 4 lanes, planes | 1.000 | 0.900–1.200 | 2.000 | 2.20× | codecs {\"planes\":1} |"), md);
    assertTrue(md.contains("| Shardline 4 lanes, planes, --rate-limit 1gbit | 11.500 | 11.000–12.000 | 2.000 | 1.48× |"), md);
    JsonObject c = Report.json(meta(), List.of(sc), List.of(), Map.of(), Map.of()).getJsonArray("scenarios").getJsonObject(0)
        .getJsonArray("sets").getJsonObject(0).getJsonArray("cases").getJsonObject(1);
    assertEquals(2.2, c.getDouble("speedUpVsNone"), 1e-9);
    assertEquals(1.0, c.getDouble("medianEngineSeconds"), 1e-9);
  }

  @Test
  void bestPeerIsTheFastestTransferPeerNotIperf() {
    DataSet random = new DataSet("random", "test", Path.of("/nonexistent"), List.of("f"), 2_000_000_000L);
    SetResult s = new SetResult(random);
    // MB/s by wall: 2e9 B over 2 s = 1000 MB/s; CPU-s/GB = 0.75 CPU-s per wall second / 2 GB
    add(s, new Case("iperf3", "iperf3", "iperf3", 0, "-"), 0.5);
    add(s, Case.shardline(4, "auto", null), 2.0);
    add(s, new Case("nginx", "curl", "nginx HTTPS → curl", 0, "-"), 2.5);
    add(s, new Case("nginx", "aria2c-x4", "nginx HTTPS → aria2c -x4 -s4", 0, "-"), 4.0);
    Report.BestPeer bp = Report.BestPeer.of(s);
    assertEquals("curl", bp.peer().c.id());
    assertEquals("shardline-l4-auto", bp.shardline().c.id());
    assertEquals(2.5 / 2.0, bp.ratio(), 1e-9);
    assertEquals(2.0 / 2.5, bp.cpuRatio(), 1e-9); // CPU scales with seconds in add()

    Scenario sc = new Scenario("loopback", "test");
    sc.sets.add(s);
    String md = Report.markdown(meta(), List.of(sc), List.of(), Map.of(), Map.of());
    assertTrue(md.contains("### loopback: Shardline against the best peer"), md);
    assertTrue(md.contains("| random | Shardline 4 lanes, auto | 1,000 | nginx HTTPS → curl | 800 | 1.25 | 0.80 |"), md);
    // the CPU column splits client and server
    assertTrue(md.contains("| 0.75 (0.50 + 0.25) |"), md);
    assertFalse(md.contains("Compression on"), md);
    JsonObject set = Report.json(meta(), List.of(sc), List.of(), Map.of(), Map.of()).getJsonArray("scenarios").getJsonObject(0)
        .getJsonArray("sets").getJsonObject(0);
    assertEquals("curl", set.getJsonObject("bestPeer").getString("peer"));
    assertEquals(1.25, set.getJsonObject("bestPeer").getDouble("ratio"), 1e-9);

    SetResult alone = new SetResult(random);
    add(alone, new Case("iperf3", "iperf3", "iperf3", 0, "-"), 0.5);
    add(alone, Case.shardline(4, "auto", null), 2.0);
    assertNull(Report.BestPeer.of(alone)); // iperf3 is the ceiling, not a peer
  }

  @Test
  void curlConnectionsAreTheSumOfItsNumConnectsLines() {
    assertEquals(1, CurlClient.connections("1\n0\n0\n0\n"));
    assertEquals(3, CurlClient.connections("1\n1\n\n1\n"));
    assertEquals(0, CurlClient.connections(""));
    assertEquals(2, CurlClient.connections("1 4194304\n0 4194304\n1 10\n"));
    assertEquals(8388618, CurlClient.downloaded("1 4194304\n0 4194304\n1 10\n"));
  }

  @Test
  void httpsRunsTheTwoComparisonsOnOneLargeFileWithRunOneAndFourMore() {
    Profile p = Profile.named("https");
    assertEquals(5, p.runs());
    assertEquals(List.of("random"), p.sets());
    assertEquals(List.of("nginx", "node-https", "pull-https"), p.tools());
    assertEquals(1024, p.fileMiB());
    assertEquals(1, p.largeFiles());
    assertTrue(p.verifyAll());
    assertTrue(p.linkRates().isEmpty() && p.memoryMiB().isEmpty());
    assertTrue(Profile.named("full").tools().containsAll(p.tools()));
    assertTrue(Profile.named("peers").tools().containsAll(p.tools()));
  }

  @Test
  void toolsShareOneNginxAndItsDevNullCaseComesWithTheNode() {
    DataSet random = new DataSet("random", "test", Path.of("/nonexistent"), List.of("f"), 1);
    BenchMain m = parse("--tools", "curl,aria2c,node-https,pull-https");
    List<Tool> tools = m.tools(null, Path.of("/nonexistent"), m.profile());
    assertEquals(List.of("nginx", "node-https", "pull-https"), tools.stream().map(Tool::id).toList());
    List<String> nginx = tools.get(0).cases(m.profile(), random).stream().map(Case::id).toList();
    if (Tool.installed("curl")) {
      assertTrue(nginx.containsAll(List.of("curl", "curl-devnull")), nginx.toString());
    }
    assertEquals(List.of("node-curl", "node-curl-devnull"), tools.get(1).cases(m.profile(), random).stream().map(Case::id).toList());
    Case https = tools.get(2).cases(m.profile(), random).get(0);
    assertEquals("shardline-https-l4", https.id());
    assertEquals(4, https.lanes());
    assertFalse(https.shardline()); // not a shardline:// row: no peer ratios, compression table or best-peer pick

    BenchMain plain = parse("--tools", "nginx");
    List<Tool> one = plain.tools(null, Path.of("/nonexistent"), plain.profile());
    assertFalse(one.get(0).cases(plain.profile(), random).stream().anyMatch(c -> c.id().equals("curl-devnull")));
    assertThrows(CommandLine.ParameterException.class, () -> parse("--tools", "nope").tools(null, Path.of("/x"), m.profile()));
  }

  @Test
  void curlSendsTheSameLinesToEveryServerAndChecksBytesWhenItKeepsNone(@TempDir Path tmp) throws Exception {
    DataSet set = new DataSet("small", "test", tmp, List.of("d00/x0000", "d00/x0001"), 200);
    Invocation toDir = CurlClient.invocation(Net.loopback(), "https://127.0.0.1:1/small/", set, tmp.resolve("dst"), null,
        tmp.resolve("a.cfg"));
    Invocation toNull = CurlClient.invocation(Net.loopback(), "https://127.0.0.1:2/small/", set, null,
        "Authorization: Bearer t0k", tmp.resolve("b.cfg"));
    assertEquals(toDir.argv().subList(0, toDir.argv().size() - 1), toNull.argv().subList(0, toNull.argv().size() - 1));
    assertTrue(toDir.verify());
    assertFalse(toNull.verify()); // nothing to compare: curl's byte count is checked instead
    assertEquals("url = \"https://127.0.0.1:1/small/d00/x0000\"\noutput = \"" + tmp.resolve("dst/d00/x0000") + "\"\n"
        + "url = \"https://127.0.0.1:1/small/d00/x0001\"\noutput = \"" + tmp.resolve("dst/d00/x0001") + "\"\n",
        Files.readString(tmp.resolve("a.cfg")));
    assertEquals("header = \"Authorization: Bearer t0k\"\n"
        + "url = \"https://127.0.0.1:2/small/d00/x0000\"\noutput = \"/dev/null\"\n"
        + "url = \"https://127.0.0.1:2/small/d00/x0001\"\noutput = \"/dev/null\"\n", Files.readString(tmp.resolve("b.cfg")));
    assertEquals("1 connection(s)", toNull.parser().parse("1 100\n0 100\n", 200, 1.0).note());
    Exception e = assertThrows(IllegalStateException.class, () -> toNull.parser().parse("1 100\n0 99\n", 200, 1.0));
    assertTrue(e.getMessage().contains("199"), e.getMessage());
  }

  @Test
  void httpsPullSummariesAreOnePerFileVerifiedAndAddUp() {
    String a = "{\"file\":\"a\",\"bytes\":100,\"seconds\":0.5,\"verifiedBy\":\"etag\",\"ok\":true}";
    String b = "{\"file\":\"b\",\"bytes\":50,\"seconds\":0.25,\"verifiedBy\":\"sha256\"}";
    Invocation.Parsed p = HttpsPullTool.parse("noise\n" + a + "\n" + b + "\n", 2, 150, 2.0);
    assertEquals(150, p.bytes());
    assertEquals(2.0, p.seconds(), 1e-9); // wall clock, JVM starts included
    assertEquals(0.75, p.innerSeconds(), 1e-9); // the pulls' own clocks, summed
    assertEquals("verifiedBy {etag=1, sha256=1}, 2 JVM(s)", p.note());
    assertThrows(IllegalStateException.class, () -> HttpsPullTool.parse(a + "\n", 2, 150, 2.0)); // a pull missing
    assertThrows(IllegalStateException.class, () -> HttpsPullTool.parse(a + "\n" + b + "\n", 2, 151, 2.0)); // bytes short
    String unverified = "{\"bytes\":50,\"seconds\":0.25,\"verifiedBy\":null}";
    assertThrows(IllegalStateException.class, () -> HttpsPullTool.parse(a + "\n" + unverified + "\n", 2, 150, 2.0));
  }

  @Test
  void headToHeadGivesRunOneApartAndASkippedCaseAsARow() {
    DataSet random = new DataSet("random", "test", Path.of("/nonexistent"), List.of("f"), 1_000_000_000L);
    SetResult s = new SetResult(random);
    add(s, new Case("nginx", "curl", "nginx HTTPS → curl", 0, "-"), 1.0, 1.0, 1.0, 1.0, 1.0); // 1000 MB/s
    add(s, new Case("node-https", "node-curl", "node HTTPS → curl", 0, "-"), 4.0, 1.0, 1.25, 1.0, 1.0); // cold run 1
    add(s, new Case("nginx", "aria2c-x4", "nginx HTTPS → aria2c -x4 -s4", 0, "-"), 2.0, 2.0, 2.0);
    s.skip(new Case("pull-https", "shardline-https-l4", "nginx HTTPS → shardline pull https:// --lanes 4", 4, "-"),
        "shardline pull https:// of f failed (exit 2): unknown scheme");
    List<HeadToHead.Figures> figs = HeadToHead.on(s);
    assertEquals(List.of("node-vs-nginx", "pull-https-vs-aria2c"), figs.stream().map(f -> f.pair().id()).toList());
    HeadToHead.Figures node = figs.get(0);
    assertEquals(250, node.subject().firstMbps(), 1e-9);
    assertEquals(1000, node.subject().laterMbps(), 1e-9); // runs 2..5: 1000, 800, 1000, 1000
    assertEquals(1.0, node.laterRatio(), 1e-9);
    assertEquals(1.0, node.ratio(), 1e-9); // median of all five is 1000 MB/s too
    assertEquals(Boolean.TRUE, node.meetsTarget());
    assertNull(figs.get(1).meetsTarget()); // no target for pull https://

    Scenario sc = new Scenario("loopback", "test");
    sc.sets.add(s);
    String md = Report.markdown(meta(), List.of(sc), List.of(), Map.of(), Map.of());
    assertTrue(md.contains("### loopback: head to head"), md);
    assertTrue(md.contains("| random | node HTTPS ÷ nginx HTTPS, same curl, into DEST | 1,000 | 250 | 1,000 (4) | 1,000 | 1,000 "
        + "| 1.00 | 1.00 | - | ≥ 0.90 met |  |"), md);
    assertTrue(md.contains("| skipped: shardline pull https:// of f failed (exit 2): unknown scheme |\n"), md);
    JsonObject set = Report.json(meta(), List.of(sc), List.of(), Map.of(), Map.of()).getJsonArray("scenarios").getJsonObject(0)
        .getJsonArray("sets").getJsonObject(0);
    JsonObject h = set.getJsonArray("headToHead").getJsonObject(0);
    assertEquals("node-curl", h.getString("case"));
    assertEquals(250, h.getDouble("caseFirstRunMBps"), 1e-9);
    assertEquals(1.0, h.getDouble("ratioAfterFirstRun"), 1e-9);
    assertTrue(h.getBoolean("meetsTarget"));
    JsonObject skipped = set.getJsonArray("cases").getJsonObject(3);
    assertEquals("shardline-https-l4", skipped.getString("id"));
    assertTrue(skipped.getString("skipped").contains("unknown scheme"));
    assertTrue(set.getJsonArray("headToHead").getJsonObject(1).getString("skipped").contains("unknown scheme"));
    assertNull(Report.BestPeer.of(s)); // no shardline:// case ran, so no best-peer row
  }

  /** Good runs of a case with these wall seconds; engine seconds = wall, 2 wire bytes per 3 payload bytes, CPU 0.5 + 0.25 per wall second. */
  private static void add(SetResult s, Case c, double... seconds) {
    CaseResult r = s.of(c);
    int rep = 1;
    for (double sec : seconds) {
      long b = s.set.bytes();
      r.runs.add(new RunResult(rep++, b, sec, c.shardline() ? sec : Double.NaN, c.shardline() ? b / 2 : b, sec * 0.5, sec * 0.25,
          1 << 20, 1 << 20, 0, true, c.shardline() ? "codecs {\"" + c.compression() + "\":1}" : ""));
    }
    if (seconds.length == 0) {
      r.runs.add(new RunResult(1, 0, 1, Double.NaN, 0, Double.NaN, Double.NaN, 0, 0, 0, false, "exit 1"));
    }
  }

  private static JsonObject meta() {
    return new JsonObject().put("profile", "test").put("runs", 3).put("machine", "m").put("started", "t").put("seconds", 1L)
        .put("git", "g");
  }

  private static BenchMain parse(String... args) {
    BenchMain m = new BenchMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }
}
