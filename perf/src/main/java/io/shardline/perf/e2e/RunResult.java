package io.shardline.perf.e2e;

/**
 * One measured run.
 *
 * @param bytes payload bytes moved (the data set, or iperf3's at its rate over the wall time)
 * @param seconds wall seconds of the client command
 * @param innerSeconds the tool's own transfer time (Shardline: the pull's JSON, without JVM
 *     start-up), NaN when the tool reports none
 * @param wireBytes bytes on the wire (compressed payload; TLS and framing overhead not counted
 *     for peers)
 * @param clientCpu CPU seconds of the client command and everything it started (reaped), from
 *     {@code /proc/PID/stat} of the wrapper shell
 * @param serverCpu CPU seconds of the tool's servers during the run (trees, {@code /proc})
 * @param clientRss peak resident bytes of the client tree (sampled)
 * @param serverRss peak resident bytes of the server trees during the run (sampled)
 * @param background cores busy with other work just before the run (quiet gate)
 * @param ok the command succeeded and the destination matched
 * @param note failure reason or extra facts
 */
record RunResult(int rep, long bytes, double seconds, double innerSeconds, long wireBytes, double clientCpu, double serverCpu,
    long clientRss, long serverRss, double background, boolean ok, String note) {

  /** A run that did not happen or broke down before it had a result (time budget, an error), with why. */
  static RunResult notRun(int rep, String why) {
    return new RunResult(rep, 0, 0, Double.NaN, 0, Double.NaN, Double.NaN, 0, 0, 0, false, why);
  }

  double mbPerSecond() {
    return bytes / seconds / 1e6;
  }

  double innerMbPerSecond() {
    return bytes / innerSeconds / 1e6;
  }

  double cpuPerGb() {
    return (clientCpu + serverCpu) / (bytes / 1e9);
  }

  double clientCpuPerGb() {
    return clientCpu / (bytes / 1e9);
  }

  double serverCpuPerGb() {
    return serverCpu / (bytes / 1e9);
  }

  double wireRatio() {
    return wireBytes > 0 ? (double) bytes / wireBytes : Double.NaN;
  }
}
