package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link ProgressBar#render}: the progress line is a pure function of its numbers. */
class ProgressBarTest {
  static final long GIB = 1L << 30;

  @Test
  void startOfATransfer() {
    assertEquals("[----------------------------] 0 B / 4.0 GiB   0.0%  0.00 Gbit/s  0 MB/s  ETA --:--  lanes 0",
        ProgressBar.render(0, 4 * GIB, 0, 0));
  }

  @Test
  void halfWayWithARate() {
    // 125 MB/s is 1 Gbit/s; 2 GiB left at that rate is 17.18 s, shown rounded up
    assertEquals("[##############--------------] 2.0 GiB / 4.0 GiB  50.0%  1.00 Gbit/s  125 MB/s  ETA 00:18  lanes 8",
        ProgressBar.render(2 * GIB, 4 * GIB, 125e6, 8));
  }

  @Test
  void done() {
    assertEquals("[############################] 4.0 GiB / 4.0 GiB 100.0%  10.00 Gbit/s  1250 MB/s  ETA --:--  lanes 4",
        ProgressBar.render(4 * GIB, 4 * GIB, 1.25e9, 4));
  }

  @Test
  void moreDoneThanTotalIsCappedAtAFullBar() {
    String line = ProgressBar.render(5 * GIB, 4 * GIB, 1e6, 1);
    assertTrue(line.startsWith("[" + "#".repeat(28) + "]"), line);
    assertTrue(line.contains("100.0%"), line);
    assertTrue(line.contains("ETA --:--"), line);
  }

  @Test
  void unknownTotalShowsNoProgress() {
    String line = ProgressBar.render(1000, 0, 1e6, 2);
    assertTrue(line.startsWith("[" + "-".repeat(28) + "] 1000 B / 0 B   0.0%"), line);
    assertTrue(line.contains("ETA --:--"), line);
  }

  @Test
  void etaFormats() {
    assertTrue(ProgressBar.render(0, 90, 1, 1).contains("ETA 01:30"));
    assertTrue(ProgressBar.render(0, 3599, 1, 1).contains("ETA 59:59"));
    assertTrue(ProgressBar.render(0, 3600, 1, 1).contains("ETA 1:00:00"));
    assertTrue(ProgressBar.render(0, 3 * 3600 + 25 * 60 + 45, 1, 1).contains("ETA 3:25:45"));
    assertTrue(ProgressBar.render(0, 1, 1000, 1).contains("ETA 00:01"), "a fraction of a second rounds up");
  }

  @Test
  void barFillsInTwentyEighthsRounded() {
    for (int i = 0; i <= 28; i++) {
      String line = ProgressBar.render(i, 28, 0, 0);
      assertEquals("#".repeat(i) + "-".repeat(28 - i), line.substring(1, 29), "at " + i + "/28");
    }
  }
}
