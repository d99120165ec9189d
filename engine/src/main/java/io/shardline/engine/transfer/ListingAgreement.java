package io.shardline.engine.transfer;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether the listings of several sources for one pull describe the same content: the same
 * relative names, sizes and chunk size, and, where both sides know them, the same chunk CRCs and
 * root. A streamed manifest (protocol v4) knows no CRCs yet, so only what it knows is compared;
 * its root is compared when it settles ({@link #sameContent}). Pure: no I/O, no clock.
 */
public final class ListingAgreement {
  private ListingAgreement() {}

  /**
   * Checks every listing against the first (the preferred source's) and returns the first's.
   *
   * @param names a name per listing, in the same order, for the error message (e.g. the URLs)
   * @throws ShardlineException {@link ErrorCode#SOURCES_DISAGREE} naming the source and the first
   *     differing file
   */
  public static List<FileManifest> check(List<String> names, List<List<FileManifest>> listings) {
    if (names.size() != listings.size() || listings.isEmpty()) {
      throw new IllegalArgumentException(names.size() + " names for " + listings.size() + " listings");
    }
    List<FileManifest> first = listings.get(0);
    Map<String, FileManifest> byName = new HashMap<>();
    first.forEach(m -> byName.put(m.name(), m));
    for (int s = 1; s < listings.size(); s++) {
      List<FileManifest> other = listings.get(s);
      for (FileManifest m : other) {
        FileManifest want = byName.get(m.name());
        String why = want == null ? "is not listed by " + names.get(0) : difference(want, m);
        if (why != null) {
          throw disagree(names.get(s), names.get(0), m.name(), why);
        }
      }
      if (other.size() != first.size()) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        other.forEach(m -> seen.add(m.name()));
        String missing = first.stream().map(FileManifest::name).filter(n -> !seen.contains(n)).sorted()
            .findFirst().orElse("a file listed twice");
        throw disagree(names.get(s), names.get(0), missing, "is missing");
      }
    }
    return first;
  }

  /**
   * Whether a file's complete manifest from one source fits what another source says of it:
   * null if it does, else the first difference (for a streamed listing that settled later).
   */
  public static String difference(FileManifest a, FileManifest b) {
    if (a.size() != b.size()) {
      return "has " + b.size() + " bytes, not " + a.size();
    }
    if (a.chunkSize() != b.chunkSize()) {
      return "is chunked by " + b.chunkSize() + " bytes, not " + a.chunkSize();
    }
    if (a.streamed() || b.streamed()) {
      return null; // CRCs and root unknown on one side: compared once settled
    }
    if (!Arrays.equals(a.root(), b.root()) || !Arrays.equals(a.chunkCrcs(), b.chunkCrcs())) {
      return "has root " + b.rootHex().substring(0, 12) + ", not " + a.rootHex().substring(0, 12);
    }
    return null;
  }

  private static ShardlineException disagree(String source, String preferred, String file, String why) {
    return new ShardlineException(ErrorCode.SOURCES_DISAGREE, "source " + source + " disagrees with "
        + preferred + ": " + file + " " + why);
  }
}
