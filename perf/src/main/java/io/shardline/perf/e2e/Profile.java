package io.shardline.perf.e2e;

import java.util.List;

/**
 * How big and how long a benchmark run is, and what it runs. {@code full} is the published run
 * (under 30 minutes on 2 cores), {@code quick} a smoke check (under 3 minutes once the data are
 * cached), {@code tiny} the harness test's run (seconds, no BERT download, no namespaces). Three
 * focused profiles answer one question each on loopback: {@code peers} (Shardline with 4 lanes
 * against nginx + curl / aria2c on 4 × 512 MiB random and 10,000 × 64 KiB files, every byte
 * verified; with the two HTTPS comparisons of {@code https}), {@code compression} (every
 * compression mode on the real BERT weights and on random data, and the BERT BF16 file through a
 * 1 Gbit/s {@code --rate-limit}) and {@code https} (a node's HTTPS front against nginx, pulled by
 * the same curl into the destination and to /dev/null, and {@code shardline pull https://} against
 * aria2c -x4 -s4 from nginx, on one 1 GiB random file, 5 runs: run 1 and the median of the 4 after
 * it are reported apart, as the node's JVM warms up over about 1 GB served).
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
 * @param tools tools run unless {@code --tools} says otherwise
 * @param compressions Shardline {@code --compression} modes, each with every lane count
 * @param rateLimit Shardline's {@code --rate-limit} for extra rate-limited cases (null: none)
 * @param rateSets the sets that get the rate-limited cases (every set when {@code --rate-limit}
 *     is given on the command line)
 * @param verifyAll check every destination byte and that no file is extra (else sizes, and the
 *     first and last file byte for byte)
 */
record Profile(String name, int runs, List<Integer> lanes, int fileMiB, int largeFiles, boolean bert,
    int smallFiles, int smallKiB, int iperfSeconds, int linkMiB, List<String> linkRates, List<Long> memoryMiB,
    List<String> sets, List<String> linkSets, List<String> tools, List<String> compressions, String rateLimit,
    List<String> rateSets, boolean verifyAll) {

  static final List<String> NAMES = List.of("full", "quick", "tiny", "peers", "compression", "https");
  static final List<String> ALL_TOOLS = List.of("shardline", "iperf3", "nginx", "node-https", "pull-https", "rsync",
      "pipeline");
  /** The two HTTPS comparisons: {@link NodeHttpsTool} and {@link HttpsPullTool}, both beside nginx. */
  static final List<String> HTTPS_TOOLS = List.of("nginx", "node-https", "pull-https");
  static final List<String> MODES = List.of("none", "zstd", "planes", "auto");

  Profile withRuns(int n) {
    return new Profile(name, n, lanes, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets, tools, compressions, rateLimit, rateSets, verifyAll);
  }

  Profile withLanes(List<Integer> l) {
    return new Profile(name, runs, l, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets, tools, compressions, rateLimit, rateSets, verifyAll);
  }

  Profile withFiles(String suffix, int mib, int files) {
    return new Profile(name + suffix, runs, lanes, mib, files, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets, tools, compressions, rateLimit, rateSets, verifyAll);
  }

  Profile withCompressions(List<String> c) {
    for (String m : c) {
      if (!MODES.contains(m)) {
        throw new IllegalArgumentException("unknown compression '" + m + "' (" + String.join(", ", MODES) + ")");
      }
    }
    return new Profile(name, runs, lanes, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets, tools, List.copyOf(c), rateLimit, rateSets, verifyAll);
  }

  /**
   * The emulated links: each link set's file of {@code mib} MiB, at {@code rates} (tbf rates such
   * as 1gbit; empty: no link scenario).
   */
  Profile withLinks(int mib, List<String> rates) {
    if (mib < 1) {
      throw new IllegalArgumentException("--link-mib must be at least 1, not " + mib);
    }
    for (String r : rates) {
      if (!r.matches("\\d+(mbit|gbit)")) {
        throw new IllegalArgumentException("link rate must look like 1gbit or 800mbit, not '" + r + "'");
      }
    }
    return new Profile(name, runs, lanes, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, mib, List.copyOf(rates),
        memoryMiB, sets, linkSets, tools, compressions, rateLimit, rateSets, verifyAll);
  }

  /** Rate-limited cases at {@code rate} on the given sets. */
  Profile withRateLimit(String rate, List<String> on) {
    return new Profile(name, runs, lanes, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets, tools, compressions, rate, List.copyOf(on), verifyAll);
  }

  Profile withVerifyAll(boolean all) {
    return new Profile(name, runs, lanes, fileMiB, largeFiles, bert, smallFiles, smallKiB, iperfSeconds, linkMiB, linkRates,
        memoryMiB, sets, linkSets, tools, compressions, rateLimit, rateSets, all);
  }

  /** Whether this set gets the rate-limited Shardline cases. */
  boolean rateLimited(String setId) {
    return rateLimit != null && rateSets.contains(setId);
  }

  static Profile named(String name) {
    List<String> noneAuto = List.of("none", "auto");
    return switch (name) {
      case "full" -> new Profile("full", 3, List.of(1, 2, 4, 8), 512, 4, true, 10_000, 64, 3, 256,
          List.of("1gbit", "10gbit"), List.of(1024L, 8 * 1024L, 32 * 1024L),
          List.of("random", "bf16", "bert-fp32", "bert-bf16", "small"), List.of("random", "bf16", "bert-bf16"),
          ALL_TOOLS, noneAuto, null, List.of(), false);
      case "quick" -> new Profile("quick", 1, List.of(1, 4), 256, 1, true, 1_000, 64, 1, 64,
          List.of("1gbit"), List.of(128L, 1024L), List.of("random", "bf16", "bert-bf16", "small"), List.of("bf16"),
          ALL_TOOLS, noneAuto, null, List.of(), false);
      case "tiny" -> new Profile("tiny", 1, List.of(2), 4, 2, false, 40, 64, 1, 4, List.of(), List.of(4L, 16L),
          List.of("random", "bf16", "small"), List.of("bf16"), ALL_TOOLS, noneAuto, null, List.of(), false);
      // what perf/bench/engine-vs-peers.sh measured: pull's defaults (4 lanes, auto) against nginx
      case "peers" -> new Profile("peers", 3, List.of(4), 512, 4, false, 10_000, 64, 1, 256, List.of(), List.of(),
          List.of("random", "small"), List.of(), List.of("shardline", "nginx", "node-https", "pull-https"), List.of("auto"),
          null, List.of(), true);
      // what perf/bench/compression.sh measured
      case "compression" -> new Profile("compression", 3, List.of(4), 512, 4, true, 1_000, 64, 1, 256, List.of(),
          List.of(), List.of("bert-fp32", "bert-bf16", "random"), List.of(), List.of("shardline"), MODES, "1gbit",
          List.of("bert-bf16"), false);
      // the node's HTTPS front against nginx (same curl), and pull https:// against aria2c -x4 -s4
      case "https" -> new Profile("https", 5, List.of(HttpsPullTool.LANES), 1024, 1, false, 1_000, 64, 1, 256, List.of(),
          List.of(), List.of("random"), List.of(), HTTPS_TOOLS, List.of("auto"), null, List.of(), true);
      default -> throw new IllegalArgumentException("unknown profile '" + name + "' (" + String.join(", ", NAMES) + ")");
    };
  }
}
