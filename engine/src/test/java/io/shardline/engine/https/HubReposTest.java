package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ManifestCache;
import io.shardline.engine.storage.LocalChunkSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A served tree read as {@code REPO/REVISION/...files}: which folder a revision names, and what its walk holds. */
class HubReposTest {
  static final String SHA = "89abcdef0123456789abcdef0123456789abcdef";
  @TempDir
  Path root;

  HubRepos repos(int maxFiles) throws Exception {
    return new HubRepos(new LocalChunkSource(root, new ManifestCache(null), maxFiles), maxFiles);
  }

  void write(String rel, String text) throws Exception {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @Test
  void aRevisionIsAFolderAndHeadIsMain() throws Exception {
    write("acme/bert/main/config.json", "{}");
    write("acme/bert/main/sub/a.txt", "a");
    write("acme/bert/v1/config.json", "{\"v\": 1}");
    HubRepos r = repos(100);
    HubRepos.Revision main = r.revision("acme/bert", "main");
    assertEquals("acme/bert/main", main.folder());
    assertEquals(List.of("config.json", "sub", "sub/a.txt"), main.entries().stream().map(HubMetadata.Entry::path).toList());
    assertEquals(main.commit(), r.revision("acme/bert", "HEAD").commit());
    assertNotEquals(main.commit(), r.revision("acme/bert", "v1").commit());
    assertEquals("acme/bert/v1", r.revision("acme/bert", r.revision("acme/bert", "v1").commit()).folder(),
        "a commit id names the revision whose commit it is");
  }

  @Test
  void missingReposAndRevisionsAreTheHubsErrors() throws Exception {
    write("acme/bert/main/config.json", "{}");
    write("acme/file/main", "a file, not a revision folder");
    write("acme/plain.txt", "a file, not a repo");
    HubRepos r = repos(100);
    assertEquals(HubException.REPO_NOT_FOUND, assertThrows(HubException.class, () -> r.revision("acme/nope", "main")).hubCode());
    assertEquals(HubException.REPO_NOT_FOUND, assertThrows(HubException.class, () -> r.revision("acme/plain.txt", "main")).hubCode());
    assertEquals(HubException.REVISION_NOT_FOUND, assertThrows(HubException.class, () -> r.revision("acme/bert", "v2")).hubCode());
    assertEquals(HubException.REVISION_NOT_FOUND, assertThrows(HubException.class, () -> r.revision("acme/file", "main")).hubCode());
    assertEquals(HubException.REVISION_NOT_FOUND, assertThrows(HubException.class, () -> r.revision("acme/bert", SHA)).hubCode(),
        "a commit id of no revision");
  }

  @Test
  void aCommitNamedFolderNeedsNoWalkForAFile() throws Exception {
    write("acme/linked/" + SHA + "/w.bin", "w");
    Files.createSymbolicLink(root.resolve("acme/linked/main"), Path.of(SHA));
    HubRepos r = repos(100);
    HubRepos.Revision forFile = r.forFile("acme/linked", "main");
    assertEquals(SHA, forFile.commit());
    assertTrue(forFile.entries().isEmpty());
    assertEquals(SHA, r.revision("acme/linked", "main").commit());
    assertEquals(1, r.revision("acme/linked", "main").entries().size());
  }

  @Test
  void aRevisionOfMoreEntriesThanTheLimitIsRefused() throws Exception {
    for (int i = 0; i < 6; i++) {
      write("acme/many/main/d" + (i % 2) + "/f" + i, "x");
    }
    assertEquals(8, repos(8).revision("acme/many", "main").entries().size());
    ShardlineException e = assertThrows(ShardlineException.class, () -> repos(7).revision("acme/many", "main"));
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertTrue(e.getMessage().contains("more than 7 entries"), e.getMessage());
  }
}
