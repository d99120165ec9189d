package io.shardline.engine.https;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.storage.LocalChunkSource;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The served tree read as Hub repositories: {@code ROOT/REPO/REVISION/...files}, where
 * {@code REPO} is {@code ORG/NAME} or {@code NAME}. Resolves a revision (a folder's name;
 * {@code HEAD} is {@code main} unless a folder is named {@code HEAD}; a commit id also names the
 * folder whose commit it is) and walks it into its entries, under the served tree's rules
 * ({@link LocalChunkSource#node}, {@link LocalChunkSource#entries}: inside the root, no state
 * folders, no special files), at most {@code maxFiles} entries. Blocking: on a disk worker.
 */
final class HubRepos {
  /** The branch {@code HEAD} names. */
  static final String MAIN = "main";

  private final LocalChunkSource tree;
  private final int maxFiles;

  HubRepos(LocalChunkSource tree, int maxFiles) {
    this.tree = tree;
    this.maxFiles = maxFiles;
  }

  /**
   * A revision as it is now: the repo, the revision as asked, its folder (relative to the root),
   * its commit id, its entries (sorted by path) and the latest modification of its files.
   */
  record Revision(String repo, String name, String folder, String commit, List<HubMetadata.Entry> entries,
      Instant lastModified) {
    /** The path under the root of {@code path} in this revision. */
    String rel(String path) {
      return path.isEmpty() ? folder : folder + "/" + path;
    }
  }

  /** The revision {@code rev} of {@code repo}: {@code RepoNotFound} or {@code RevisionNotFound} if there is none. */
  Revision revision(String repo, String rev) {
    return revision(repo, rev, true);
  }

  /**
   * The revision {@code rev} of {@code repo}, for a file of it: when its folder is named by its
   * commit, nothing is walked and its entries are left empty (the commit id is the name).
   */
  Revision forFile(String repo, String rev) {
    return revision(repo, rev, false);
  }

  private Revision revision(String repo, String rev, boolean entries) {
    LocalChunkSource.Node repoDir = directory(repo);
    if (repoDir == null) {
      throw HubException.repoNotFound(repo);
    }
    LocalChunkSource.Node folder = directory(repo + "/" + rev);
    if (folder == null && rev.equals(HubRoute.HEAD)) {
      folder = directory(repo + "/" + MAIN);
    }
    if (folder != null) {
      String name = folder.real().getFileName().toString();
      if (!entries && HubMetadata.COMMIT.matcher(name).matches()) {
        return new Revision(repo, rev, folder.rel(), name, List.of(), folder.attrs().lastModifiedTime().toInstant());
      }
      return walk(repo, rev, folder);
    }
    if (HubMetadata.COMMIT.matcher(rev).matches()) {
      for (LocalChunkSource.Node n : tree.entries(repoDir)) {
        if (n.attrs().isDirectory()) {
          Revision r = walk(repo, rev, n);
          if (r.commit().equals(rev)) {
            return r;
          }
        }
      }
      throw HubException.revisionNotFound(repo, rev, "no revision folder of this commit");
    }
    throw HubException.revisionNotFound(repo, rev, null);
  }

  /** The directory at {@code rel}, or null if there is none (a file there is none either). */
  private LocalChunkSource.Node directory(String rel) {
    try {
      LocalChunkSource.Node n = tree.node(rel);
      return n.attrs().isDirectory() ? n : null;
    } catch (ShardlineException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  /** Every entry under a revision folder, depth first, and the revision they make. */
  private Revision walk(String repo, String rev, LocalChunkSource.Node folder) {
    List<HubMetadata.Entry> out = new ArrayList<>();
    Deque<LocalChunkSource.Node> dirs = new ArrayDeque<>();
    dirs.push(folder);
    int base = folder.rel().length() + 1;
    Instant latest = folder.attrs().lastModifiedTime().toInstant();
    boolean anyFile = false;
    while (!dirs.isEmpty()) {
      for (LocalChunkSource.Node n : tree.entries(dirs.pop())) {
        String path = n.rel().substring(base);
        if (n.attrs().isDirectory()) {
          out.add(HubMetadata.Entry.directory(path));
          dirs.push(n);
        } else {
          Instant modified = n.attrs().lastModifiedTime().toInstant();
          out.add(HubMetadata.Entry.file(path, n.attrs().size(), Validators.of(n.attrs()).etag(), modified));
          latest = anyFile && latest.isAfter(modified) ? latest : modified;
          anyFile = true;
        }
        if (out.size() > maxFiles) {
          throw new ShardlineException(ErrorCode.BAD_REQUEST, "revision " + rev + " of " + repo + " holds more than "
              + maxFiles + " entries (server limit)");
        }
      }
    }
    List<HubMetadata.Entry> sorted = HubMetadata.sorted(out);
    String folderName = folder.real().getFileName().toString();
    return new Revision(repo, rev, folder.rel(), HubMetadata.commitId(folderName, sorted), sorted, latest);
  }
}
