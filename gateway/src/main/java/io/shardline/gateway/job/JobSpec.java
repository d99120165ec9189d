package io.shardline.gateway.job;

import io.shardline.engine.transfer.Compression;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * What a job moves: {@code sourcePath} of {@code source} into {@code destPath} under
 * {@code destination}, with its transfer settings. Source and destination are named in the
 * direction data flows (see {@link JobMode}): for a pull (and a pull-direction sync) the source is
 * a remote and the destination a local root; for a push (and a push-direction sync) the source is
 * a local root and the destination a remote. {@link #remoteName()} and {@link #localName()} say
 * which is which. Immutable; the rate limit can change later through events, the spec keeps what
 * was asked at submission.
 *
 * @param sha256 the file's expected SHA-256 (64 lowercase hex digits), for a file from an HTTPS
 *     remote; null when not given
 * @param mode pull, push or sync
 * @param pushes for a sync: true when the local root is the source (a push with the sync
 *     flags), false for the pull direction; for the other modes, whether the mode is push
 * @param delete for a sync: delete what the source does not have, once every file is verified
 * @param dryRun for a sync: compare only, write nothing
 * @param broadcast the job's place in a broadcast (it runs as a relay), or null
 */
public record JobSpec(String source, String sourcePath, String destination, String destPath, int lanes,
    Compression compression, long rateLimit, int priority, String label, String sha256, JobMode mode,
    boolean pushes, boolean delete, boolean dryRun, BroadcastPart broadcast) {

  public JobSpec {
    if (mode == null) {
      mode = JobMode.PULL;
    }
    if (mode != JobMode.SYNC) {
      pushes = mode == JobMode.PUSH;
    }
  }

  /** Not part of a broadcast. */
  public JobSpec(String source, String sourcePath, String destination, String destPath, int lanes,
      Compression compression, long rateLimit, int priority, String label, String sha256, JobMode mode,
      boolean pushes, boolean delete, boolean dryRun) {
    this(source, sourcePath, destination, destPath, lanes, compression, rateLimit, priority, label, sha256, mode,
        pushes, delete, dryRun, null);
  }

  /** A pull. */
  public JobSpec(String source, String sourcePath, String destination, String destPath, int lanes,
      Compression compression, long rateLimit, int priority, String label, String sha256) {
    this(source, sourcePath, destination, destPath, lanes, compression, rateLimit, priority, label, sha256,
        JobMode.PULL, false, false, false);
  }

  /** A pull without an expected SHA-256. */
  public JobSpec(String source, String sourcePath, String destination, String destPath, int lanes,
      Compression compression, long rateLimit, int priority, String label) {
    this(source, sourcePath, destination, destPath, lanes, compression, rateLimit, priority, label, null);
  }

  /** The configured remote's name: the source of a pull, the destination of a push. */
  public String remoteName() {
    return pushes ? destination : source;
  }

  /** The path on the remote. */
  public String remotePath() {
    return pushes ? destPath : sourcePath;
  }

  /** The configured local root's name ({@code destinations} in the config): where a pull writes, what a push reads. */
  public String localName() {
    return pushes ? source : destination;
  }

  /** The path under the local root. */
  public String localPath() {
    return pushes ? sourcePath : destPath;
  }

  /** {@code push} or {@code pull}: which way the data flows. */
  public String direction() {
    return pushes ? "push" : "pull";
  }

  /**
   * The spec as the journal (and the idempotency hash) holds it. A pull encodes as it did before
   * modes existed (no {@code mode} field), so old journals and request hashes are unchanged.
   */
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("source", source + ":" + sourcePath)
        .put("destination", destination + ":" + destPath).put("lanes", lanes)
        .put("compression", compression.name().toLowerCase(Locale.ROOT)).put("rateLimit", rateLimit)
        .put("priority", priority);
    if (label != null) {
      j.put("label", label);
    }
    if (sha256 != null) {
      j.put("sha256", sha256);
    }
    if (mode != JobMode.PULL) {
      j.put("mode", mode.label());
    }
    if (mode == JobMode.SYNC) {
      j.put("direction", direction()).put("delete", delete).put("dryRun", dryRun);
    }
    if (broadcast != null) {
      j.put("broadcast", broadcast.toJson());
    }
    return j;
  }

  /** A spec from {@link #toJson()}; one without {@code mode} (every spec from before modes) is a pull. */
  public static JobSpec fromJson(JsonObject j) {
    String[] src = split(j.getString("source"));
    String[] dst = split(j.getString("destination"));
    JobMode mode = j.getValue("mode") == null ? JobMode.PULL : JobMode.parse(j.getString("mode"));
    return new JobSpec(src[0], src[1], dst[0], dst[1], j.getInteger("lanes"), Compression.parse(j.getString("compression")),
        j.getLong("rateLimit", 0L), j.getInteger("priority", 0), j.getString("label"), j.getString("sha256"), mode,
        "push".equals(j.getString("direction")), j.getBoolean("delete", false), j.getBoolean("dryRun", false),
        BroadcastPart.fromJson(j.getJsonObject("broadcast")));
  }

  /**
   * The local root's name of a spec or a submission in its JSON form (what a cluster places a job
   * by), or null when it names none.
   */
  public static String localRootOf(JsonObject j) {
    if (j == null) {
      return null;
    }
    Object mode = j.getValue("mode");
    boolean pushes = "push".equals(mode) || ("sync".equals(mode) && "push".equals(j.getValue("direction")));
    Object side = j.getValue(pushes ? "source" : "destination");
    if (!(side instanceof String s) || s.indexOf(':') <= 0) {
      return null;
    }
    return s.substring(0, s.indexOf(':'));
  }

  /** {@code NAME:PATH} into its two parts (the path may be empty, meaning the root). */
  static String[] split(String s) {
    int colon = s == null ? -1 : s.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected NAME:PATH, got '" + s + "'");
    }
    return new String[] {s.substring(0, colon), s.substring(colon + 1)};
  }
}
