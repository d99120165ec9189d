package io.shardline.perf.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory flatness: pulls one sparse file of each size (1, 8, 32 GiB in the full profile) with 4
 * lanes and no compression (so every byte goes through TLS), a fresh server per size, and records
 * the peak RSS of client and server. No warm-up pull: the measured pull is the only one, so the
 * server's peak includes building the manifest. Sparse files read as zeros from the page cache without
 * taking disk space; the destination is written for real and deleted after each pull.
 */
final class MemoryFlatness {
  private MemoryFlatness() {}

  static List<MemoryPoint> run(Profile profile, Env env, Path data, Runner runner) throws Exception {
    List<MemoryPoint> out = new ArrayList<>();
    ShardlineTool tool = new ShardlineTool(env, List.of(), false);
    tool.start(Net.loopback());
    Case c = new Case("shardline", "shardline-l4-none", "Shardline 4 lanes, none", 4, "none");
    for (long mib : profile.memoryMiB()) {
      Path dir = data.resolve("sparse-" + mib + "m");
      Files.createDirectories(dir);
      Path f = dir.resolve("sparse.bin");
      if (!Files.exists(f) || Files.size(f) != (mib << 20)) {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
          raf.setLength(mib << 20);
        }
      }
      DataSet set = new DataSet("sparse-" + mib + "m", mib + " MiB sparse file (zeros)", dir, List.of("sparse.bin"), mib << 20);
      RunResult r;
      try {
        tool.beginSet(set);
        r = runner.run(tool, c, set, 1);
      } catch (IOException | RuntimeException e) {
        r = new RunResult(1, 0, 0, Double.NaN, 0, Double.NaN, Double.NaN, 0, 0, 0, false, e.getMessage());
      } finally {
        tool.endSet();
        DataSets.deleteTree(env.dest());
      }
      env.log().info(String.format("memory: %d MiB pulled: %s", mib, r.ok() ? String.format("%.0f MB/s, peak RSS client %d MiB, server %d MiB",
          r.mbPerSecond(), r.clientRss() >> 20, r.serverRss() >> 20) : "FAILED " + r.note()));
      out.add(new MemoryPoint(mib, r));
    }
    tool.close();
    return out;
  }
}
