package io.shardline.perf.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The one curl command line every HTTPS server of the bench (nginx, a node's HTTPS front) is
 * pulled with, so that two servers differ only in their base URL: {@code curl -sS -k --fail
 * --http1.1 --create-dirs -w '%{num_connects} %{size_download}\n' -K LIST}, one process, the set's
 * files in order on one reused connection. LIST holds a url/output pair per file (output: the file
 * under the destination, or {@code /dev/null}) and, for a server that asks for one, a header line
 * (a token stays out of the process list). Each run notes the connections curl opened; a {@code
 * /dev/null} run, which leaves nothing to verify, fails unless curl downloaded the set's bytes.
 */
final class CurlClient {
  static final String DEV_NULL = "/dev/null";

  private CurlClient() {}

  /**
   * @param base the set's URL, ending in {@code /} (its files are appended)
   * @param dest the destination directory, or null for {@code /dev/null}
   * @param header a request header ({@code Name: value}) for every URL, or null
   * @param list where to write curl's config file
   */
  static Invocation invocation(Net net, String base, DataSet set, Path dest, String header, Path list) throws Exception {
    StringBuilder b = new StringBuilder();
    if (header != null) {
      b.append("header = \"").append(header).append("\"\n");
    }
    for (String r : set.files()) {
      b.append("url = \"").append(base).append(r).append("\"\noutput = \"")
          .append(dest == null ? DEV_NULL : dest.resolve(r).toString()).append("\"\n");
    }
    Files.writeString(list, b);
    return new Invocation(net.client(argv(list)), dest != null, (out, total, wall) -> {
      if (dest == null && downloaded(out) != total) {
        throw new IllegalStateException("curl downloaded " + downloaded(out) + " bytes, not " + total);
      }
      return new Invocation.Parsed(total, wall, total, Double.NaN, connections(out) + " connection(s)");
    });
  }

  static List<String> argv(Path list) {
    return List.of("curl", "-sS", "-k", "--fail", "--http1.1", "--create-dirs", "-w", "%{num_connects} %{size_download}\n",
        "-K", list.toString());
  }

  /** How the command line reads in a report. */
  static String describe() {
    return "`curl -sS -k --fail --http1.1 --create-dirs -w '%{num_connects} %{size_download}\\n' -K LIST` (url/output pairs, "
        + "sequential on one connection; each run notes the connections curl opened)";
  }

  /** Connections curl opened: the sum of the first number of its {@code -w} lines (one per URL). */
  static long connections(String curlOut) {
    return column(curlOut, 0);
  }

  /** Bytes curl downloaded: the sum of the second number of its {@code -w} lines. */
  static long downloaded(String curlOut) {
    return column(curlOut, 1);
  }

  private static long column(String curlOut, int i) {
    return curlOut.lines().map(String::strip).filter(l -> l.matches("\\d+( \\d+)?")).map(l -> l.split(" "))
        .filter(f -> f.length > i).mapToLong(f -> Long.parseLong(f[i])).sum();
  }
}
