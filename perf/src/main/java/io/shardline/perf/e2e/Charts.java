package io.shardline.perf.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts of a run (XChart): throughput vs lanes per tool, CPU per GB, head to head, RSS vs size. */
final class Charts {
  private Charts() {}

  /** Throughput vs lanes for one set: a line per Shardline compression mode (unlimited), peers as flat lines. */
  static String throughput(Path dir, Scenario sc, SetResult s, List<Integer> lanes) throws IOException {
    XYChart ch = new XYChartBuilder().width(1100).height(520).title(sc.id + " / " + s.set.id() + ": throughput vs lanes")
        .xAxisTitle("Shardline lanes").yAxisTitle("MB/s (median)").build();
    ch.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    List<Double> xs = lanes.stream().map(Integer::doubleValue).toList();
    List<String> comps = s.cases.values().stream().filter(r -> r.c.shardline()).map(r -> r.c.compression()).distinct().toList();
    for (String comp : comps) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int l : lanes) {
        CaseResult r = s.cases.get(Case.shardline(l, comp, null).id());
        if (r != null && !Double.isNaN(r.mbps())) {
          x.add((double) l);
          y.add(r.mbps());
        }
      }
      if (!x.isEmpty()) {
        ch.addSeries("Shardline, " + comp, x, y);
      }
    }
    for (CaseResult r : s.cases.values()) {
      if (!r.c.shardline() && !Double.isNaN(r.mbps())) {
        List<Double> y = xs.stream().map(v -> r.mbps()).toList();
        ch.addSeries(r.c.label(), xs, y).setMarker(SeriesMarkers.NONE);
      }
    }
    if (ch.getSeriesMap().isEmpty()) {
      return null;
    }
    String name = "throughput-" + sc.id + "-" + s.set.id() + ".png";
    BitmapEncoder.saveBitmap(ch, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    return name;
  }

  /** CPU-seconds per GB (client + servers) of every case, a bar series per data set. */
  static String cpu(Path dir, Scenario sc) throws IOException {
    CategoryChart ch = new CategoryChartBuilder().width(1100).height(600).title(sc.id + ": CPU-seconds per GB (client + servers)")
        .xAxisTitle("case").yAxisTitle("CPU-s per GB (median)").build();
    ch.getStyler().setXAxisLabelRotation(35);
    ch.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    ch.getStyler().setOverlapped(false);
    List<String> cats = new ArrayList<>();
    for (SetResult s : sc.sets) {
      for (CaseResult r : s.cases.values()) {
        if (!cats.contains(r.c.id())) {
          cats.add(r.c.id());
        }
      }
    }
    for (SetResult s : sc.sets) {
      List<Double> y = new ArrayList<>();
      for (String c : cats) {
        CaseResult r = s.cases.get(c);
        double v = r == null ? Double.NaN : r.median(RunResult::cpuPerGb);
        y.add(Double.isNaN(v) ? 0.0 : v);
      }
      ch.addSeries(s.set.id(), cats, y);
    }
    if (cats.isEmpty()) {
      return null;
    }
    String name = "cpu-per-gb-" + sc.id + ".png";
    BitmapEncoder.saveBitmap(ch, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    return name;
  }

  /**
   * The scenario's {@link HeadToHead} comparisons as bars: per set and comparison, the case's
   * median, its median after run 1, and the baseline's median.
   */
  static String headToHead(Path dir, Scenario sc) throws IOException {
    List<String> cats = new ArrayList<>();
    List<Double> subject = new ArrayList<>();
    List<Double> later = new ArrayList<>();
    List<Double> baseline = new ArrayList<>();
    for (SetResult s : sc.sets) {
      for (HeadToHead.Figures f : HeadToHead.on(s)) {
        cats.add(s.set.id() + ": " + f.pair().caseId() + " / " + f.pair().baselineId());
        subject.add(zeroIfNaN(f.subject().mbps()));
        later.add(zeroIfNaN(f.subject().laterMbps()));
        baseline.add(zeroIfNaN(f.baseline().mbps()));
      }
    }
    if (cats.isEmpty()) {
      return null;
    }
    CategoryChart ch = new CategoryChartBuilder().width(1100).height(560).title(sc.id + ": head to head (MB/s, wall clock)")
        .xAxisTitle("case / baseline").yAxisTitle("MB/s (median)").build();
    ch.getStyler().setXAxisLabelRotation(20);
    ch.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    ch.getStyler().setOverlapped(false);
    ch.addSeries("case, all runs", cats, subject);
    ch.addSeries("case, runs 2..n", cats, later);
    ch.addSeries("baseline, all runs", cats, baseline);
    String name = "head-to-head-" + sc.id + ".png";
    BitmapEncoder.saveBitmap(ch, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    return name;
  }

  private static double zeroIfNaN(double v) {
    return Double.isNaN(v) ? 0.0 : v;
  }

  /** Peak RSS of client and server against the size pulled. */
  static String rss(Path dir, List<MemoryPoint> points) throws IOException {
    List<MemoryPoint> ok = points.stream().filter(p -> p.run().ok()).toList();
    if (ok.isEmpty()) {
      return null;
    }
    XYChart ch = new XYChartBuilder().width(800).height(480).title("Peak RSS vs size pulled (4 lanes, no compression)")
        .xAxisTitle("GiB pulled").yAxisTitle("peak RSS, MiB").build();
    ch.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    ch.getStyler().setYAxisMin(0.0);
    List<Double> x = ok.stream().map(p -> p.mib() / 1024.0).toList();
    ch.addSeries("client (pull)", x, ok.stream().map(p -> p.run().clientRss() / 1048576.0).toList());
    ch.addSeries("server (serve)", x, ok.stream().map(p -> p.run().serverRss() / 1048576.0).toList());
    String name = "rss-vs-size.png";
    BitmapEncoder.saveBitmap(ch, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    return name;
  }
}
