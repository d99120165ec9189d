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
 * @param sets data sets run on loopback unless {@code --sets} says otherwise
 * @param linkSets data sets run over the emulated links (random and bf16: one linkMiB file)
 */
record Profile(String name, int runs, List<Integer> lanes, int fileMiB, int largeFiles, boolean bert,
    int smallFiles, int smallKiB, int iperfSeconds, int linkMiB, List<String> linkRates, List<Long> memoryMiB,
    List<String> sets, List<String> linkSets) {

  Profile withRuns(int n) {
    return new Profile(name, n, lanes, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets);
  }

  Profile withLanes(List<Integer> l) {
    return new Profile(name, runs, l, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets);
  }

  Profile withFiles(String suffix, int mib, int files) {
    return new Profile(name + suffix, runs, lanes, mib, files, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets);
  }


  static Profile named(String name) {
    return switch (name) {
      case "full" -> new Profile("full", 3, List.of(1, 2, 4, 8), 512, 4, true, 10_000, 64, 3, 256,
          List.of("1gbit", "10gbit"), List.of(1024L, 8 * 1024L, 32 * 1024L),
          List.of("random", "bf16", "bert-fp32", "bert-bf16", "small"), List.of("random", "bf16", "bert-bf16"));
      case "quick" -> new Profile("quick", 1, List.of(1, 4), 256, 1, true, 1_000, 64, 1, 64,
          List.of("1gbit"), List.of(128L, 1024L), List.of("random", "bf16", "bert-bf16", "small"), List.of("bf16"));
      case "tiny" -> new Profile("tiny", 1, List.of(2), 4, 2, false, 40, 64, 1, 4, List.of(), List.of(4L, 16L),
          List.of("random", "bf16", "small"), List.of("bf16"));
      default -> throw new IllegalArgumentException("unknown profile '" + name + "' (full, quick, tiny)");
    };
  }
}
