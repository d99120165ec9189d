package io.shardline.perf.e2e;

import java.util.List;

/**
 * How big and how long a benchmark run is. {@code full} is the published run (under 30 minutes
 * on 2 cores), {@code quick} a smoke check (under 3 minutes once the data are cached), {@code
 * tiny} the harness test's run (seconds, no BERT download, no namespaces).
 *
 * @param runs repetitions of every case, alternated
 * @param lanes lane counts for Shardline pulls
 * @param fileMiB size of each random and BF16 file
 * @param largeFiles random and BF16 files per set
 * @param bert include the BERT FP32 and BF16 sets (downloads ~408 MB once)
 * @param smallFiles files of {@code smallKiB} KiB in the small-file set
 * @param iperfSeconds iperf3 measuring time (one more second is omitted as warm-up)
 * @param linkMiB size of each file pulled over an emulated link
 * @param linkRates tbf rates for the emulated links (empty: no link scenario)
 * @param memoryMiB sizes pulled for the memory-flatness check (empty: skipped)
 */
record Profile(String name, int runs, List<Integer> lanes, int fileMiB, int largeFiles, boolean bert,
    int smallFiles, int smallKiB, int iperfSeconds, int linkMiB, List<String> linkRates, List<Long> memoryMiB) {

  static Profile named(String name) {
    return switch (name) {
      case "full" -> new Profile("full", 3, List.of(1, 2, 4, 8), 512, 4, true, 10_000, 64, 3, 256,
          List.of("1gbit", "10gbit"), List.of(1024L, 8 * 1024L, 32 * 1024L));
      case "quick" -> new Profile("quick", 1, List.of(1, 4), 256, 1, true, 1_000, 64, 1, 64,
          List.of("1gbit"), List.of(256L, 1024L));
      case "tiny" -> new Profile("tiny", 1, List.of(2), 4, 2, false, 40, 64, 1, 0, List.of(), List.of(4L, 16L));
      default -> throw new IllegalArgumentException("unknown profile '" + name + "' (full, quick, tiny)");
    };
  }
}
