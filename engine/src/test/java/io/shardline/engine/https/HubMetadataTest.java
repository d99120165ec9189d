package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Hub layout's metadata (commit ids, oids, revision JSON, tree pages), pure functions of a revision's entries. */
class HubMetadataTest {
  static final Instant T = Instant.parse("2026-01-02T03:04:05.678901Z");

  static HubMetadata.Entry file(String path, String etag) {
    return HubMetadata.Entry.file(path, path.length(), "\"" + etag + "\"", T);
  }

  static List<HubMetadata.Entry> revision() {
    return HubMetadata.sorted(List.of(file("model.safetensors", "a1"), HubMetadata.Entry.directory("sub"),
        file("sub/vocab.txt", "b2"), HubMetadata.Entry.directory("sub/deep"), file("sub/deep/x.bin", "c3"),
        file("config.json", "d4"), file("sub.txt", "e5")));
  }

  @Test
  void aCommitNamedFolderIsItsOwnCommit() {
    String sha = "0123456789abcdef0123456789abcdef01234567";
    assertEquals(sha, HubMetadata.commitId(sha, revision()));
    assertNotEquals("0123456789ABCDEF0123456789ABCDEF01234567",
        HubMetadata.commitId("0123456789ABCDEF0123456789ABCDEF01234567", revision()), "upper case is no commit id");
  }

  @Test
  void otherwiseTheCommitIsADigestOfEveryFileVersion() {
    String c = HubMetadata.commitId("main", revision());
    assertTrue(HubMetadata.COMMIT.matcher(c).matches(), c);
    assertEquals(c, HubMetadata.commitId("v1", revision()), "the same content, the same commit");
    List<HubMetadata.Entry> changed = new ArrayList<>(revision());
    changed.set(changed.indexOf(file("sub/vocab.txt", "b2")), file("sub/vocab.txt", "b3"));
    assertNotEquals(c, HubMetadata.commitId("main", changed), "one file's version changed");
    List<HubMetadata.Entry> renamed = new ArrayList<>(revision());
    renamed.set(renamed.indexOf(file("sub.txt", "e5")), file("sub2.txt", "e5"));
    assertNotEquals(c, HubMetadata.commitId("main", HubMetadata.sorted(renamed)), "a file renamed");
    List<HubMetadata.Entry> fewer = new ArrayList<>(revision());
    fewer.remove(file("config.json", "d4"));
    assertNotEquals(c, HubMetadata.commitId("main", fewer), "a file removed");
  }

  @Test
  void oidsAreTheETagOrTheDigestOfADirectory() {
    List<HubMetadata.Entry> r = revision();
    assertEquals("a1", HubMetadata.oid(file("model.safetensors", "a1"), r));
    String sub = HubMetadata.oid(HubMetadata.Entry.directory("sub"), r);
    assertTrue(HubMetadata.COMMIT.matcher(sub).matches());
    List<HubMetadata.Entry> outside = new ArrayList<>(r);
    outside.set(outside.indexOf(file("sub.txt", "e5")), file("sub.txt", "e6"));
    assertEquals(sub, HubMetadata.oid(HubMetadata.Entry.directory("sub"), outside), "sub.txt is not under sub/");
    List<HubMetadata.Entry> inside = new ArrayList<>(r);
    inside.set(inside.indexOf(file("sub/deep/x.bin", "c3")), file("sub/deep/x.bin", "c4"));
    assertNotEquals(sub, HubMetadata.oid(HubMetadata.Entry.directory("sub"), inside));
  }

  @Test
  void theRevisionJsonHasWhatTheClientsParse() {
    JsonObject info = HubMetadata.info("acme/bert", "0123456789abcdef0123456789abcdef01234567", revision(), T, true);
    assertEquals("acme/bert", info.getString("id"));
    assertEquals("0123456789abcdef0123456789abcdef01234567", info.getString("sha"));
    assertEquals("2026-01-02T03:04:05.678Z", info.getString("lastModified"), "milliseconds, as the Hub writes it");
    assertEquals(true, info.getBoolean("private"));
    JsonArray siblings = info.getJsonArray("siblings");
    assertEquals(List.of("config.json", "model.safetensors", "sub.txt", "sub/deep/x.bin", "sub/vocab.txt"),
        siblings.stream().map(o -> ((JsonObject) o).getString("rfilename")).toList(), "files only");
    assertEquals(new JsonObject().put("rfilename", "config.json").put("size", 11L).put("blobId", "d4"),
        siblings.getJsonObject(0));
  }

  @Test
  void aTreeListsOneLevelOrAllUnderAPath() {
    List<HubMetadata.Entry> r = revision();
    assertEquals(List.of("config.json", "model.safetensors", "sub", "sub.txt"),
        paths(HubMetadata.tree(r, "", false, null, 100)));
    assertEquals(List.of("sub/deep", "sub/deep/x.bin", "sub/vocab.txt"), paths(HubMetadata.tree(r, "sub", true, null, 100)));
    assertEquals(List.of("sub/deep", "sub/vocab.txt"), paths(HubMetadata.tree(r, "sub", false, null, 100)));
    JsonObject dir = HubMetadata.tree(r, "", false, null, 100).items().getJsonObject(2);
    assertEquals("directory", dir.getString("type"));
    assertEquals(0L, dir.getLong("size"));
    JsonObject f = HubMetadata.tree(r, "", false, null, 100).items().getJsonObject(0);
    assertEquals(new JsonObject().put("type", "file").put("oid", "d4").put("size", 11L).put("path", "config.json"), f);
  }

  @Test
  void pagesFollowOneAnotherWithoutGapOrRepeat() {
    List<HubMetadata.Entry> r = revision();
    List<String> all = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      HubMetadata.Page p = HubMetadata.tree(r, "", true, cursor, 2);
      all.addAll(paths(p));
      cursor = p.next();
      pages++;
    } while (cursor != null && pages < 10);
    assertEquals(4, pages);
    assertEquals(paths(HubMetadata.tree(r, "", true, null, 100)), all);
    HubMetadata.Page exact = HubMetadata.tree(r, "sub", true, null, 3);
    assertNull(exact.next(), "a full last page has no next");
    assertThrows(HubException.class, () -> HubMetadata.tree(r, "", true, "not*base64", 2));
  }

  @Test
  void pathsInfoNamesTheEntriesThatExist() {
    List<HubMetadata.Entry> r = revision();
    JsonArray items = HubMetadata.pathsInfo(r, List.of("sub/vocab.txt", "nope", "sub"), "c0ffee", "main", T, true);
    assertEquals(2, items.size());
    assertEquals(new JsonObject().put("type", "file").put("oid", "b2").put("size", 13L).put("path", "sub/vocab.txt")
        .put("lastCommit", new JsonObject().put("id", "c0ffee").put("title", "main").put("date",
            "2026-01-02T03:04:05.678Z")), items.getJsonObject(0));
    assertEquals("directory", items.getJsonObject(1).getString("type"));
    assertNull(HubMetadata.pathsInfo(r, List.of("sub"), "c0ffee", "main", T, false).getJsonObject(0)
        .getValue("lastCommit"));
  }

  static List<String> paths(HubMetadata.Page p) {
    return p.items().stream().map(o -> ((JsonObject) o).getString("path")).toList();
  }
}
