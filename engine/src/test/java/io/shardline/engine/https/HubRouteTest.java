package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shardline.engine.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Hub layout's routes as its clients send them, a pure function of the raw path and query. */
class HubRouteTest {
  static HubException refused(String path) {
    return assertThrows(HubException.class, () -> HubRoute.parse(path, null), path);
  }

  @Test
  void resolveNamesRepoRevisionAndPath() {
    assertEquals(new HubRoute.Resolve("acme/bert", "main", "model.safetensors"),
        HubRoute.parse("/acme/bert/resolve/main/model.safetensors", null));
    assertEquals(new HubRoute.Resolve("acme/bert", "v1.0", "onnx/sub/model.onnx"),
        HubRoute.parse("/acme/bert/resolve/v1.0/onnx/sub/model.onnx", "download=true"));
    assertEquals(new HubRoute.Resolve("gpt2", "main", "config.json"), HubRoute.parse("/gpt2/resolve/main/config.json",
        null), "a one-segment repo id");
  }

  @Test
  void eachSegmentIsDecodedOnce() {
    assertEquals(new HubRoute.Resolve("acme/bert", "main", "a b+c%.txt"),
        HubRoute.parse("/acme/bert/resolve/main/a%20b+c%25.txt", null), "'+' stays, %25 is decoded once");
    assertEquals(new HubRoute.Resolve("acme/bert", "main", "dir/f"), HubRoute.parse("/acme/bert/resolve/main/dir%2Ff",
        null), "an encoded '/' in the file path is a separator, as in the plain layout");
    HubException pr = refused("/api/models/acme/bert/revision/refs%2Fpr%2F1");
    assertEquals(HubException.REVISION_NOT_FOUND, pr.hubCode(), "a revision with '/' names no folder");
  }

  @Test
  void theApiRoutesAreRead() {
    assertEquals(new HubRoute.Info("acme/bert", "HEAD"), HubRoute.parse("/api/models/acme/bert", null));
    assertEquals(new HubRoute.Info("gpt2", "HEAD"), HubRoute.parse("/api/models/gpt2", null));
    assertEquals(new HubRoute.Info("acme/bert", "v2"), HubRoute.parse("/api/models/acme/bert/revision/v2",
        "expand=pipeline_tag&expand=private"));
    assertEquals(new HubRoute.Info("gpt2", "main"), HubRoute.parse("/api/models/gpt2/revision/main", null));
    assertEquals(new HubRoute.Tree("acme/bert", "main", "", true, null),
        HubRoute.parse("/api/models/acme/bert/tree/main", "recursive=true&expand=false"));
    assertEquals(new HubRoute.Tree("acme/bert", "main", "sub/dir", false, "YWJj"),
        HubRoute.parse("/api/models/acme/bert/tree/main/sub/dir", "recursive=false&cursor=YWJj"));
    assertEquals(new HubRoute.Tree("gpt2", "main", "onnx", true, null),
        HubRoute.parse("/api/models/gpt2/tree/main/onnx", "recursive=1"));
  }

  @Test
  void whereBothReadingsFitTheTwoSegmentRepoWins() {
    assertEquals(new HubRoute.Resolve("a/resolve", "main", "f"), HubRoute.parse("/a/resolve/resolve/main/f", null));
    assertEquals(new HubRoute.Resolve("a", "resolve", "f"), HubRoute.parse("/a/resolve/resolve/f", null),
        "too short for the two-segment reading");
  }

  @Test
  void badRepoIdsAreRefused() {
    for (String p : new String[] {"/-acme/bert/resolve/main/f", "/acme/bert-/resolve/main/f", "/ac--me/b/resolve/main/f",
        "/acme/b..c/resolve/main/f", "/acme/b%20c/resolve/main/f", "/acme/%2e%2e/resolve/main/f",
        "/%2e%2e/%2e%2e/resolve/main/f", "/acme/" + "b".repeat(100) + "/resolve/main/f", "/api/models/acme/b@d"}) {
      HubException e = refused(p);
      assertEquals(ErrorCode.BAD_REQUEST, e.code(), p);
      assertNull(e.hubCode(), p);
    }
  }

  @Test
  void pathsThatLeaveTheRevisionAreRefusedHoweverEscaped() {
    for (String p : new String[] {"/acme/bert/resolve/main/../x", "/acme/bert/resolve/main/%2e%2e/%2e%2e/x",
        "/acme/bert/resolve/main/..%2F..%2Fx", "/acme/bert/resolve/main/a//b", "/acme/bert/resolve/main/./a",
        "/acme/bert/resolve/main/a%5C..%5Cb", "/acme/bert/resolve/main/%00", "/acme/bert/resolve/%2e%2e/x",
        "/acme/bert/resolve/./x", "/api/models/acme/bert/tree/main/..%2F..", "/api/models/acme/bert/tree/%2E%2E"}) {
      HubException e = refused(p);
      assertEquals(ErrorCode.BAD_PATH, e.code(), p + ": " + e.getMessage());
    }
    assertEquals(ErrorCode.BAD_REQUEST, refused("/acme/bert/resolve/main/%zz").code(), "a broken escape");
    assertEquals(ErrorCode.BAD_REQUEST, refused("/acme/bert/resolve//x").code(), "an empty revision");
  }

  @Test
  void pathsInfoBodiesAreJsonOrForms() {
    assertEquals(new HubRoute.PathsInfo("acme/bert", "main"), HubRoute.parse("/api/models/acme/bert/paths-info/main", null));
    byte[] json = "{\"paths\": [\"config.json\", \"sub/\"], \"expand\": true}".getBytes(StandardCharsets.UTF_8);
    assertEquals(new HubRoute.PathsQuery(List.of("config.json", "sub"), true),
        HubRoute.pathsQuery("application/json", json));
    byte[] form = "paths=a+b.txt&paths=sub%2Fx&expand=True".getBytes(StandardCharsets.UTF_8);
    assertEquals(new HubRoute.PathsQuery(List.of("a b.txt", "sub/x"), true),
        HubRoute.pathsQuery("application/x-www-form-urlencoded; charset=utf-8", form), "a form decodes '+' as space");
    for (String bad : new String[] {"{\"paths\": []}", "{\"paths\": [1]}", "{\"paths\": [\"../x\"]}", "[1]",
        "{\"paths\": [\"\"]}"}) {
      assertThrows(HubException.class, () -> HubRoute.pathsQuery("application/json",
          bad.getBytes(StandardCharsets.UTF_8)), bad);
    }
    assertThrows(HubException.class, () -> HubRoute.pathsQuery("text/plain", json), "another type");
    String many = "paths=a&".repeat(HubRoute.MAX_PATHS + 1);
    assertThrows(HubException.class, () -> HubRoute.pathsQuery("application/x-www-form-urlencoded",
        many.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void otherRepoTypesAndUnknownRoutesAreNotFound() {
    assertEquals(HubException.REPO_NOT_FOUND, refused("/datasets/acme/data/resolve/main/train.csv").hubCode());
    assertEquals(HubException.REPO_NOT_FOUND, refused("/api/datasets/acme/data/tree/main").hubCode());
    assertEquals(HubException.REPO_NOT_FOUND, refused("/api/spaces/acme/app").hubCode());
    for (String p : new String[] {"/", "/config.json", "/acme/bert", "/acme/bert/blob/main/f", "/api/models",
        "/api/whoami-v2", "/api/models/acme/bert/commits/main", "/acme/bert/resolve/main"}) {
      HubException e = refused(p);
      assertEquals(ErrorCode.NOT_FOUND, e.code(), p);
      assertNull(e.hubCode(), p);
    }
  }
}
