package io.shardline.engine.https;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The Hub layout's metadata as pure functions of a revision's entries: the commit id, the
 * entries' object ids, the revision's JSON ({@code /api/models/REPO/revision/REV}), the pages of
 * its tree ({@code /api/models/REPO/tree/REV}) and paths-info, in the shapes the Hub's clients
 * parse.
 *
 * <p>The commit id is the revision folder's own name when that is 40 lowercase hex digits (a
 * folder named by its commit, or a branch that is a symlink to one); otherwise the first 160
 * bits, in hex, of the SHA-256 of every file's path and version (its {@code ETag}) in path
 * order, so it changes whenever a file of the revision is added, removed, renamed or changed
 * (touched included). A file's {@code oid} is its {@code ETag} without the quotes, the name both
 * clients give its blob in their caches; a directory's is the digest of the files under it.
 */
final class HubMetadata {
  /** A commit id, as the Hub's clients recognise one. */
  static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  /** Entries per tree page at most (the Hub's page size); the rest follow a {@code Link: rel="next"}. */
  static final int PAGE = 1000;
  /** {@code lastModified} as the Hub writes it (the Python client parses exactly this form). */
  static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  private HubMetadata() {}

  /**
   * One entry of a revision: its path under the revision folder, whether it is a directory, and
   * for a file its size, {@code ETag} and modification time.
   */
  record Entry(String path, boolean directory, long size, String etag, Instant modified) {
    static Entry file(String path, long size, String etag, Instant modified) {
      return new Entry(path, false, size, etag, modified);
    }

    static Entry directory(String path) {
      return new Entry(path, true, 0, null, null);
    }
  }

  /** A page of a tree listing and the cursor of the next one (null: the last page). */
  record Page(JsonArray items, String next) {}

  /** The commit id of the revision in folder {@code folderName} holding {@code sorted} (sorted by path). */
  static String commitId(String folderName, List<Entry> sorted) {
    if (COMMIT.matcher(folderName).matches()) {
      return folderName;
    }
    return digest(sorted, 0, sorted.size(), "");
  }

  /** The object id of {@code e}, one of {@code sorted}. */
  static String oid(Entry e, List<Entry> sorted) {
    if (!e.directory()) {
      return e.etag().substring(1, e.etag().length() - 1);
    }
    String prefix = e.path() + "/";
    int from = firstAtOrAfter(sorted, prefix);
    int to = from;
    while (to < sorted.size() && sorted.get(to).path().startsWith(prefix)) {
      to++;
    }
    return digest(sorted, from, to, prefix);
  }

  /** The files of {@code sorted[from, to)}: paths (less {@code prefix}) and versions, hashed. */
  private static String digest(List<Entry> sorted, int from, int to, String prefix) {
    MessageDigest md = sha256();
    for (int i = from; i < to; i++) {
      Entry e = sorted.get(i);
      if (!e.directory()) {
        md.update((e.path().substring(prefix.length()) + "\0" + e.etag() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] d = md.digest();
    return HexFormat.of().formatHex(d, 0, 20);
  }

  /**
   * The revision's metadata as {@code GET /api/models/REPO/revision/REV} returns it: {@code id},
   * {@code sha}, {@code lastModified}, {@code private} (whether the node asks for a token) and
   * {@code siblings} (every file: {@code rfilename}, {@code size}, {@code blobId}).
   */
  static JsonObject info(String repo, String commit, List<Entry> sorted, Instant lastModified, boolean needsToken) {
    JsonArray siblings = new JsonArray();
    for (Entry e : sorted) {
      if (!e.directory()) {
        siblings.add(new JsonObject().put("rfilename", e.path()).put("size", e.size()).put("blobId", oid(e, sorted)));
      }
    }
    return new JsonObject().put("_id", repo).put("id", repo).put("modelId", repo).put("sha", commit)
        .put("lastModified", ISO_MILLIS.format(lastModified)).put("private", needsToken).put("gated", false)
        .put("disabled", false).put("tags", new JsonArray()).put("siblings", siblings);
  }

  /**
   * A page of the entries under {@code under} ("": the whole revision; it must be a directory of
   * {@code sorted}, the caller checks), all levels if {@code recursive} else one, in path order,
   * after the entry {@code cursor} names (null: from the first), at most {@code pageSize}. Each
   * item: {@code type} ({@code file} or {@code directory}), {@code oid}, {@code size},
   * {@code path} (from the revision's root).
   */
  static Page tree(List<Entry> sorted, String under, boolean recursive, String cursor, int pageSize) {
    String prefix = under.isEmpty() ? "" : under + "/";
    String after = cursor == null ? null : cursorPath(cursor);
    JsonArray items = new JsonArray();
    int i = after == null ? firstAtOrAfter(sorted, prefix) : firstAtOrAfter(sorted, after + "\0");
    i = Math.max(i, firstAtOrAfter(sorted, prefix));
    String last = null;
    for (; i < sorted.size() && sorted.get(i).path().startsWith(prefix); i++) {
      Entry e = sorted.get(i);
      if (!recursive && e.path().indexOf('/', prefix.length()) >= 0) {
        continue;
      }
      if (items.size() == pageSize) {
        return new Page(items, cursorOf(last));
      }
      items.add(item(e, sorted));
      last = e.path();
    }
    return new Page(items, null);
  }

  /**
   * The entries at {@code paths} ({@code POST /api/models/REPO/paths-info/REV}), in the tree's
   * item form; paths the revision does not hold are left out, as the Hub does. With
   * {@code expand}, each item also names its {@code lastCommit} ({@code id}: the revision's
   * commit id, {@code title}: the revision's name, {@code date}), which the JS client's cache
   * files its snapshot under.
   */
  static JsonArray pathsInfo(List<Entry> sorted, List<String> paths, String commit, String revision,
      Instant lastModified, boolean expand) {
    JsonArray items = new JsonArray();
    for (String path : paths) {
      Entry e = find(sorted, path);
      if (e == null) {
        continue;
      }
      JsonObject item = item(e, sorted);
      if (expand) {
        item.put("lastCommit", new JsonObject().put("id", commit).put("title", revision)
            .put("date", ISO_MILLIS.format(lastModified)));
      }
      items.add(item);
    }
    return items;
  }

  private static JsonObject item(Entry e, List<Entry> sorted) {
    return new JsonObject().put("type", e.directory() ? "directory" : "file").put("oid", oid(e, sorted))
        .put("size", e.size()).put("path", e.path());
  }

  /** The cursor after {@code path}: opaque to clients (they follow the {@code Link}). */
  static String cursorOf(String path) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(path.getBytes(StandardCharsets.UTF_8));
  }

  private static String cursorPath(String cursor) {
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw HubException.badRequest("bad cursor: not one this node gave");
    }
  }

  /** The index of the first entry whose path is {@code key} or after it. */
  private static int firstAtOrAfter(List<Entry> sorted, String key) {
    int lo = 0;
    int hi = sorted.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted.get(mid).path().compareTo(key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The entry at {@code path} of {@code sorted}, or null. */
  static Entry find(List<Entry> sorted, String path) {
    int i = firstAtOrAfter(sorted, path);
    return i < sorted.size() && sorted.get(i).path().equals(path) ? sorted.get(i) : null;
  }

  /** Sorts entries into the order every function here expects (by path, as strings compare). */
  static List<Entry> sorted(List<Entry> entries) {
    List<Entry> s = new ArrayList<>(entries);
    s.sort((a, b) -> a.path().compareTo(b.path()));
    return s;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
