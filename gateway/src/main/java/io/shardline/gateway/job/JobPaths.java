package io.shardline.gateway.job;

import io.shardline.engine.storage.LocalChunkSink;
import io.shardline.engine.storage.SafePath;
import io.shardline.engine.error.ShardlineException;
import io.shardline.gateway.config.Remote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

/**
 * Where jobs may read and write: a job's source must name a configured remote and its destination
 * a configured destination root, and the destination path must stay inside that root, lexically
 * and after following any symlinks that already exist on the way, and never through a
 * {@code .shardline} state folder.
 */
public final class JobPaths {
  /** The folder where a pull keeps its resume state, in its destination: never a job's destination. */
  public static final String STATE_FOLDER = LocalChunkSink.STATE_DIR;
  private final Map<String, Remote> remotes;
  private final Map<String, Path> destinations;

  public JobPaths(Map<String, Remote> remotes, Map<String, Path> destinations) {
    this.remotes = remotes;
    this.destinations = destinations;
  }

  /** Throws {@link JobException} (INVALID) when the spec names unknown places or escapes its root. */
  public void check(JobSpec spec) {
    Remote r = remote(spec);
    String path = checkWirePath(spec.sourcePath(), "source path");
    if (r.isHttps() && (path.isEmpty() || spec.sourcePath().endsWith("/"))) {
      throw invalid("source '" + spec.source() + ":" + spec.sourcePath() + "' must name a file: remote '" + r.name()
          + "' is an HTTPS server, which is pulled one file at a time");
    }
    if (spec.sha256() != null && !r.isHttps()) {
      throw invalid("sha256 is for files from https:// remotes; remote '" + r.name()
          + "' is a Shardline node, whose pulls are verified by its manifest");
    }
    destination(spec);
  }

  public Remote remote(JobSpec spec) {
    Remote r = remotes.get(spec.source());
    if (r == null) {
      throw invalid("unknown remote '" + spec.source() + "' (configured: " + String.join(", ", new TreeSet<>(remotes.keySet())) + ")");
    }
    return r;
  }

  /** The folder the job writes into, inside its destination root. */
  public Path destination(JobSpec spec) {
    Path root = destinations.get(spec.destination());
    if (root == null) {
      throw invalid("unknown destination '" + spec.destination() + "' (configured: "
          + String.join(", ", new TreeSet<>(destinations.keySet())) + ")");
    }
    if (spec.destPath().startsWith("/")) {
      throw invalid("destination path '" + spec.destPath() + "' must be relative to destination '" + spec.destination() + "'");
    }
    String rel = checkWirePath(spec.destPath(), "destination path");
    for (String segment : rel.split("/")) {
      if (segment.equalsIgnoreCase(STATE_FOLDER)) {
        throw invalid("destination path '" + spec.destPath() + "' is not allowed: '" + STATE_FOLDER
            + "' folders hold transfers' resume state, and no job may write into one");
      }
    }
    Path target = rel.isEmpty() ? root : SafePath.under(root, rel);
    try {
      Files.createDirectories(root);
      Path realRoot = root.toRealPath();
      Path existing = target;
      while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        existing = existing.getParent();
      }
      if (existing == null || !existing.toRealPath().startsWith(realRoot)) {
        throw invalid("destination path '" + spec.destPath() + "' leads outside destination '" + spec.destination() + "'");
      }
    } catch (IOException e) {
      throw invalid("destination '" + spec.destination() + "' cannot be used: " + e.getMessage());
    }
    return target;
  }

  private static String checkWirePath(String p, String what) {
    try {
      return SafePath.check(SafePath.normalize(p));
    } catch (ShardlineException e) {
      throw invalid(what + " '" + p + "' is not allowed: " + e.getMessage());
    }
  }

  private static JobException invalid(String msg) {
    return new JobException(JobException.Kind.INVALID, msg);
  }
}
