package io.shardline.gateway.job;

import io.shardline.engine.hdfs.HdfsClients;
import io.shardline.engine.push.PushReceiver;
import io.shardline.engine.hdfs.HdfsDestination;
import io.shardline.engine.hdfs.HdfsLocation;
import io.shardline.engine.s3.S3Clients;
import io.shardline.engine.s3.S3Destination;
import io.shardline.engine.s3.S3Location;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.LocalChunkSink;
import io.shardline.engine.storage.LocalDestination;
import io.shardline.engine.storage.SafePath;
import io.shardline.engine.error.ShardlineException;
import io.shardline.gateway.config.Remote;
import io.shardline.gateway.config.Store;
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
  private final Map<String, Store> stores;
  private final Path hdfsJournals;

  public JobPaths(Map<String, Remote> remotes, Map<String, Path> destinations) {
    this(remotes, destinations, Map.of());
  }

  public JobPaths(Map<String, Remote> remotes, Map<String, Path> destinations, Map<String, Store> stores) {
    this(remotes, destinations, stores, null);
  }

  /**
   * @param hdfsJournals where pulls into HDFS keep their resume journals (the gateway's data
   *     folder); null: the engine's default
   */
  public JobPaths(Map<String, Remote> remotes, Map<String, Path> destinations, Map<String, Store> stores,
      Path hdfsJournals) {
    this.remotes = remotes;
    this.destinations = destinations;
    this.stores = stores;
    this.hdfsJournals = hdfsJournals != null ? hdfsJournals
        : Path.of(System.getProperty("user.home"), ".shardline", "hdfs-journals");
  }

  /**
   * Where the job's pull writes: a local folder's destination (checked and locked when the pull
   * starts), or an S3 prefix (one multipart upload per file) or HDFS path (a hidden partial file
   * renamed once verified) below the store at the job's destination path. Unfinished uploads and
   * partial files are kept for the next attempt (the job resumes), never cleaned up here.
   */
  public ChunkSink.Factory sinks(JobSpec spec) {
    Store d = stores.get(spec.localName());
    if (d == null) {
      return new LocalDestination(destination(spec));
    }
    String target = storeTarget(spec);
    if (d.kind() == Store.Kind.S3) {
      S3Clients.Config config = d.s3Config();
      return new S3Destination(() -> S3Clients.build(config), S3Location.parse(target), config.where(), false);
    }
    return new HdfsDestination(HdfsLocation.parse(target), HdfsClients.configuration(), hdfsJournals, false);
  }

  /**
   * The path a pull names as its destination: the local folder, or for a store its URL as a path
   * (only for messages; the pull writes through {@link #sinks}).
   */
  public Path pullDestination(JobSpec spec) {
    return stores.containsKey(spec.localName()) ? Path.of(storeTarget(spec)) : destination(spec);
  }

  /** The job's destination when it is an S3 or HDFS store, else null (a local folder). */
  public Store store(JobSpec spec) {
    return stores.get(spec.localName());
  }

  /**
   * Where a job into a store writes: the store's location with the job's destination path below
   * it ({@code s3://BUCKET/PREFIX/PATH}, {@code hdfs://NN:PORT/PATH/PATH}), checked like a local
   * destination path (relative, no {@code ..}, no state folder).
   */
  public String storeTarget(JobSpec spec) {
    Store d = stores.get(spec.localName());
    String rel = relativeDestPath(spec);
    return d.kind() == Store.Kind.S3 ? d.s3().resolve(rel).toString() : d.hdfs().resolve(rel).toString();
  }

  /** Whether this gateway declares local root {@code name} (a folder or a store). */
  public boolean declares(String name) {
    return destinations.containsKey(name) || stores.containsKey(name);
  }

  /**
   * Throws {@link JobException} (INVALID) when the spec names unknown places, escapes its root, or
   * asks for what its mode cannot do: a push or a sync from or to anything but a Shardline node
   * and a local folder, a push to a node without a push token, sync options on a pull or a push,
   * a SHA-256 on anything but a pull from an HTTPS remote.
   */
  public void check(JobSpec spec) {
    if (spec.mode() != JobMode.SYNC && (spec.delete() || spec.dryRun())) {
      throw invalid("delete and dryRun are for sync jobs; this job's mode is " + spec.mode().label());
    }
    Remote r = remote(spec);
    String path = checkWirePath(spec.remotePath(), spec.pushes() ? "destination path" : "source path");
    if (spec.mode() != JobMode.PULL) {
      checkNodeAndFolder(spec, r);
    }
    if (spec.broadcast() != null && (spec.mode() != JobMode.PULL || r.isHttps() || stores.containsKey(spec.localName()))) {
      throw invalid("a broadcast pulls from a Shardline node into local folders (each destination relays to the next);"
          + " '" + spec.remoteName() + "' -> '" + spec.localName() + "' is " + (spec.mode() != JobMode.PULL
          ? "a " + spec.mode().label() : r.isHttps() ? "from an HTTPS server" : "into an " + stores.get(spec.localName()).kind()
          + " store"));
    }
    if (r.isHttps() && (path.isEmpty() || spec.sourcePath().endsWith("/"))) {
      throw invalid("source '" + spec.source() + ":" + spec.sourcePath() + "' must name a file: remote '" + r.name()
          + "' is an HTTPS server, which is pulled one file at a time");
    }
    if (spec.sha256() != null && !r.isHttps()) {
      throw invalid("sha256 is for files from https:// remotes; remote '" + r.name()
          + "' is a Shardline node, whose pulls are verified by its manifest");
    }
    if (stores.containsKey(spec.localName())) {
      if (r.isHttps()) {
        throw invalid("destination '" + spec.destination() + "' is an " + stores.get(spec.destination()).kind()
            + " store: jobs into it pull from Shardline nodes, and remote '" + r.name() + "' is an HTTPS server");
      }
      storeTarget(spec);
      return;
    }
    destination(spec);
  }

  /** A push or a sync: between a Shardline node and a local folder, and a push needs the node's push token. */
  private void checkNodeAndFolder(JobSpec spec, Remote r) {
    String what = spec.mode() == JobMode.PUSH ? "a push" : "a sync (" + spec.direction() + " direction)";
    if (r.isHttps()) {
      throw invalid(what + " is between a Shardline node and a local folder; remote '" + r.name()
          + "' is an HTTPS server" + (spec.pushes() ? ", which takes no pushes" : ", which is pulled one file at a time"
          + " (use mode pull)"));
    }
    Store store = stores.get(spec.localName());
    if (store != null) {
      throw invalid(what + " " + (spec.pushes() ? "reads" : "mirrors into") + " a local folder; '" + spec.localName()
          + "' is an " + store.kind() + " store" + (spec.pushes() ? ", which cannot be pushed from"
          : " (use mode pull to copy into it)"));
    }
    if (spec.pushes() && spec.lanes() > PushReceiver.MAX_LANES) {
      throw invalid(what + " takes 1.." + PushReceiver.MAX_LANES + " lanes (the node opens that many at most), asked "
          + spec.lanes());
    }
    if (spec.pushes() && r.pushTokenFile() == null) {
      throw invalid("remote '" + r.name() + "' takes no pushes from this gateway: its config has no pushTokenFile"
          + " (the node's push token, from serve --accept-push --push-token-file)");
    }
  }

  /** The remote the job pulls from or pushes to. */
  public Remote remote(JobSpec spec) {
    Remote r = remotes.get(spec.remoteName());
    if (r == null) {
      throw invalid("unknown remote '" + spec.remoteName() + "' (configured: "
          + String.join(", ", new TreeSet<>(remotes.keySet())) + ")");
    }
    return r;
  }

  /**
   * The job's local folder inside its local root: where a pull writes, what a push reads (a file
   * or a folder), checked again each time it is asked for.
   */
  public Path destination(JobSpec spec) {
    Path root = destinations.get(spec.localName());
    if (root == null) {
      throw unknown(spec);
    }
    String rel = relativeDestPath(spec);
    Path target = rel.isEmpty() ? root : SafePath.under(root, rel);
    try {
      Files.createDirectories(root);
      Path realRoot = root.toRealPath();
      Path existing = target;
      while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        existing = existing.getParent();
      }
      if (existing == null || !existing.toRealPath().startsWith(realRoot)) {
        throw invalid(localSide(spec) + " path '" + spec.localPath() + "' leads outside " + localSide(spec) + " '"
            + spec.localName() + "'");
      }
    } catch (IOException e) {
      throw invalid(localSide(spec) + " '" + spec.localName() + "' cannot be used: " + e.getMessage());
    }
    return target;
  }

  private JobException unknown(JobSpec spec) {
    TreeSet<String> all = new TreeSet<>(destinations.keySet());
    all.addAll(stores.keySet());
    return invalid("unknown " + (spec.pushes() ? "local root" : "destination") + " '" + spec.localName()
        + "' (configured destinations: " + String.join(", ", all) + ")");
  }

  /** The job's local path, relative, normalised and checked (never through a state folder). */
  private String relativeDestPath(JobSpec spec) {
    if (!destinations.containsKey(spec.localName()) && !stores.containsKey(spec.localName())) {
      throw unknown(spec);
    }
    String side = localSide(spec);
    if (spec.localPath().startsWith("/")) {
      throw invalid(side + " path '" + spec.localPath() + "' must be relative to " + side + " '" + spec.localName() + "'");
    }
    String rel = checkWirePath(spec.localPath(), side + " path");
    for (String segment : rel.split("/")) {
      if (segment.equalsIgnoreCase(STATE_FOLDER)) {
        throw invalid(side + " path '" + spec.localPath() + "' is not allowed: '" + STATE_FOLDER
            + "' folders hold transfers' resume state, and no job may " + (spec.pushes() ? "read" : "write into") + " one");
      }
    }
    return rel;
  }

  /** What the request calls the local side: its destination for a pull, its source for a push. */
  private static String localSide(JobSpec spec) {
    return spec.pushes() ? "source" : "destination";
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
