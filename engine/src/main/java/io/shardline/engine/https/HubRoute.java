package io.shardline.engine.https;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.storage.SafePath;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a request of the Hub layout asks, as the Hugging Face Hub's clients send it: a pure
 * function of the raw request path and query.
 *
 * <ul>
 *   <li>{@code /api/models/REPO} and {@code /api/models/REPO/revision/REV}: the revision's
 *       metadata ({@link Info}; the first is revision {@code HEAD});</li>
 *   <li>{@code /api/models/REPO/tree/REV[/PATH]?recursive=true&cursor=C}: a page of the
 *       revision's entries ({@link Tree});</li>
 *   <li>{@code /REPO/resolve/REV/PATH}: a file's bytes ({@link Resolve});</li>
 *   <li>{@code POST /api/models/REPO/paths-info/REV}: the entries at the paths its body names
 *       ({@link PathsInfo}, {@link #pathsQuery}).</li>
 * </ul>
 *
 * <p>{@code REPO} is {@code ORG/NAME} or a one-segment {@code NAME}, each segment as the Hub
 * allows (letters, digits, {@code - _ .}; no {@code --} or {@code ..}; 96 characters in all);
 * where both readings fit, the two-segment one wins. Every segment is percent-decoded once, on
 * its own, so a revision sent as {@code refs%2Fpr%2F1} stays one segment (and names no folder:
 * a revision is one folder name). {@code PATH} is decoded and then checked by the shardline
 * port's rules ({@link SafePath}): no {@code ..}, {@code .}, empty segment, NUL or backslash,
 * however they are escaped. Dataset and space repositories are not served ({@code RepoNotFound}).
 */
sealed interface HubRoute {
  /** The metadata of revision {@code revision} of {@code repo}. */
  record Info(String repo, String revision) implements HubRoute {}

  /** Entries of {@code repo} at {@code revision} under {@code path} ("" for all), a page from {@code cursor} (null: the first). */
  record Tree(String repo, String revision, String path, boolean recursive, String cursor) implements HubRoute {}

  /** The file {@code path} of {@code repo} at {@code revision}. */
  record Resolve(String repo, String revision, String path) implements HubRoute {}

  /** {@code POST}: the entries at the paths the body names ({@link #pathsQuery}) of {@code repo} at {@code revision}. */
  record PathsInfo(String repo, String revision) implements HubRoute {}

  /** What a paths-info body asks: the paths (checked) and whether to add each entry's last commit. */
  record PathsQuery(List<String> paths, boolean expand) {}

  /** Bytes of a paths-info body accepted at most; more: 413. */
  int MAX_BODY = 64 * 1024;
  /** Paths one paths-info request may name. */
  int MAX_PATHS = 1000;

  /** The revision the Hub's clients ask for when none is given: the default branch. */
  String HEAD = "HEAD";
  /** Characters of a repo id, at most (the Hub's limit). */
  int MAX_REPO_ID = 96;

  Pattern REPO_SEGMENT = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?");

  /** Parses a request's raw (still percent-encoded) path and query (null: none). */
  static HubRoute parse(String rawPath, String query) {
    if (rawPath == null || !rawPath.startsWith("/") || rawPath.indexOf('#') >= 0) {
      throw HubException.badRequest("bad request path");
    }
    String[] raw = rawPath.substring(1).split("/", -1);
    String[] seg = new String[raw.length];
    for (int i = 0; i < raw.length; i++) {
      seg[i] = decode(raw[i]);
    }
    Map<String, List<String>> params = query == null ? Map.of() : new QueryStringDecoder(query, false).parameters();
    HubRoute r;
    if (seg[0].equals("api") && seg.length >= 2) {
      if (seg[1].equals("datasets") || seg[1].equals("spaces")) {
        throw modelsOnly(seg[1]);
      }
      if (!seg[1].equals("models") || seg.length < 3) {
        throw unknown();
      }
      String[] rest = Arrays.copyOfRange(seg, 2, seg.length);
      r = api(rest, 2, params);
      if (r == null) {
        r = api(rest, 1, params);
      }
    } else {
      if (seg[0].equals("datasets") || seg[0].equals("spaces")) {
        throw modelsOnly(seg[0]);
      }
      r = resolve(seg, 2);
      if (r == null) {
        r = resolve(seg, 1);
      }
    }
    if (r == null) {
      throw unknown();
    }
    return r;
  }

  /** An API route whose repo id has {@code n} segments, or null if the path does not read so. */
  private static HubRoute api(String[] rest, int n, Map<String, List<String>> params) {
    if (rest.length == n) {
      return new Info(repo(rest, n), HEAD);
    }
    if (rest.length < n + 2) {
      return null;
    }
    String keyword = rest[n];
    String rev = rest[n + 1];
    if (keyword.equals("revision") && rest.length == n + 2) {
      return new Info(repo(rest, n), revision(rev));
    }
    if (keyword.equals("paths-info") && rest.length == n + 2) {
      return new PathsInfo(repo(rest, n), revision(rev));
    }
    if (keyword.equals("tree")) {
      String path = rest.length == n + 2 ? "" : path(rest, n + 2);
      return new Tree(repo(rest, n), revision(rev), path, flag(params, "recursive"), param(params, "cursor"));
    }
    return null;
  }

  /**
   * The body of a paths-info request: JSON ({@code {"paths": [...], "expand": true}}, the JS
   * client) or a form ({@code paths=a&paths=b&expand=True}, the Python client); every path
   * checked by the path rules, at most {@link #MAX_PATHS}.
   */
  static PathsQuery pathsQuery(String contentType, byte[] body) {
    List<String> paths = new ArrayList<>();
    boolean expand;
    String type = contentType == null ? "" : contentType.strip().toLowerCase(Locale.ROOT);
    String text = new String(body, StandardCharsets.UTF_8);
    if (type.startsWith("application/json")) {
      JsonObject o;
      try {
        o = new JsonObject(text);
      } catch (RuntimeException e) {
        throw HubException.badRequest("paths-info: the body is not a JSON object");
      }
      Object p = o.getValue("paths");
      if (p instanceof String one) {
        paths.add(one);
      } else if (p instanceof JsonArray a) {
        for (Object v : a) {
          if (!(v instanceof String str)) {
            throw HubException.badRequest("paths-info: paths must be strings");
          }
          paths.add(str);
        }
      } else {
        throw HubException.badRequest("paths-info: the body needs \"paths\": [PATH, ...]");
      }
      expand = Boolean.TRUE.equals(o.getValue("expand"));
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      Map<String, List<String>> form = new QueryStringDecoder(text, StandardCharsets.UTF_8, false).parameters();
      paths.addAll(form.getOrDefault("paths", List.of()));
      expand = flag(form, "expand");
    } else {
      throw HubException.badRequest("paths-info: the body must be application/json or a form");
    }
    if (paths.isEmpty() || paths.size() > MAX_PATHS) {
      throw HubException.badRequest("paths-info: name 1 to " + MAX_PATHS + " paths");
    }
    List<String> checked = new ArrayList<>();
    for (String path : paths) {
      String c = checked(path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
      if (c.isEmpty()) {
        throw HubException.badRequest("paths-info: an empty path");
      }
      checked.add(c);
    }
    return new PathsQuery(checked, expand);
  }

  /** A resolve route whose repo id has {@code n} segments, or null. */
  private static HubRoute resolve(String[] seg, int n) {
    if (seg.length < n + 3 || !seg[n].equals("resolve")) {
      return null;
    }
    return new Resolve(repo(seg, n), revision(seg[n + 1]), path(seg, n + 2));
  }

  /** The repo id of the first {@code n} segments, checked. */
  private static String repo(String[] seg, int n) {
    String id = String.join("/", Arrays.copyOfRange(seg, 0, n));
    if (id.length() > MAX_REPO_ID) {
      throw HubException.badRequest("invalid repo id: longer than " + MAX_REPO_ID + " characters");
    }
    for (int i = 0; i < n; i++) {
      String s = seg[i];
      if (!REPO_SEGMENT.matcher(s).matches() || s.contains("--") || s.contains("..")) {
        throw HubException.badRequest("invalid repo id '" + printable(id) + "': use letters, digits, '-', '_' "
            + "and '.', not starting or ending with '-' or '.', without '--' or '..'");
      }
    }
    return id;
  }

  /** A revision: one folder name. */
  private static String revision(String rev) {
    if (rev.indexOf('/') >= 0) {
      throw new HubException(ErrorCode.NOT_FOUND, HubException.REVISION_NOT_FOUND, null, "Revision not found: "
          + printable(rev) + " (a revision here is one folder name, without '/')");
    }
    if (rev.isEmpty()) {
      throw HubException.badRequest("empty revision");
    }
    checked(rev);
    return rev;
  }

  /** The file path from segment {@code from} on, checked by the path rules. */
  private static String path(String[] seg, int from) {
    return checked(String.join("/", Arrays.copyOfRange(seg, from, seg.length)));
  }

  private static String checked(String rel) {
    try {
      return SafePath.check(rel);
    } catch (ShardlineException e) {
      throw new HubException(ErrorCode.BAD_PATH, null, null, e.getMessage());
    }
  }

  /** One path segment, percent-decoded once ('+' stays '+'). */
  private static String decode(String raw) {
    try {
      return new QueryStringDecoder(raw, StandardCharsets.UTF_8, true).path();
    } catch (IllegalArgumentException e) {
      throw HubException.badRequest("bad request path: " + e.getMessage());
    }
  }

  private static boolean flag(Map<String, List<String>> params, String name) {
    String v = param(params, name);
    return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
  }

  private static String param(Map<String, List<String>> params, String name) {
    List<String> v = params.get(name);
    return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
  }

  private static String printable(String s) {
    String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
    return t.replaceAll("\\p{Cntrl}", "?");
  }

  private static HubException modelsOnly(String type) {
    return new HubException(ErrorCode.NOT_FOUND, HubException.REPO_NOT_FOUND, null,
        "Repository not found: this node serves model repositories only, not " + type);
  }

  private static HubException unknown() {
    return new HubException(ErrorCode.NOT_FOUND, null, null, "no such route in the Hub layout: "
        + "/api/models/REPO[/revision/REV], /api/models/REPO/tree/REV[/PATH], /REPO/resolve/REV/PATH, "
        + "POST /api/models/REPO/paths-info/REV");
  }
}
