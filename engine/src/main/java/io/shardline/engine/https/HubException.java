package io.shardline.engine.https;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;

/**
 * A typed error of the Hub layout that also names the Hub's error kind, which its clients read
 * from {@code X-Error-Code}: {@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound}
 * (null: none, e.g. a malformed request). When the revision is known, {@code commit} is its
 * commit id, which the Python client uses to remember an entry that does not exist.
 */
final class HubException extends ShardlineException {
  static final String REPO_NOT_FOUND = "RepoNotFound";
  static final String REVISION_NOT_FOUND = "RevisionNotFound";
  static final String ENTRY_NOT_FOUND = "EntryNotFound";

  private final String hubCode;
  private final String commit;

  HubException(ErrorCode code, String hubCode, String commit, String message) {
    super(code, message);
    this.hubCode = hubCode;
    this.commit = commit;
  }

  static HubException repoNotFound(String repo) {
    return new HubException(ErrorCode.NOT_FOUND, REPO_NOT_FOUND, null, "Repository not found: " + repo);
  }

  static HubException revisionNotFound(String repo, String revision, String why) {
    return new HubException(ErrorCode.NOT_FOUND, REVISION_NOT_FOUND, null,
        "Revision not found: " + revision + " of " + repo + (why == null ? "" : " (" + why + ")"));
  }

  static HubException entryNotFound(String repo, String revision, String commit, String path, String why) {
    return new HubException(ErrorCode.NOT_FOUND, ENTRY_NOT_FOUND, commit,
        "Entry not found: " + path + " in " + repo + " at " + revision + (why == null ? "" : " (" + why + ")"));
  }

  static HubException badRequest(String message) {
    return new HubException(ErrorCode.BAD_REQUEST, null, null, message);
  }

  /** The Hub's name for this error ({@code X-Error-Code}), or null. */
  String hubCode() {
    return hubCode;
  }

  /** The revision's commit id ({@code X-Repo-Commit}), or null when unknown. */
  String commit() {
    return commit;
  }
}
