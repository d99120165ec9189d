package io.shardline.engine.sync;

import io.shardline.engine.integrity.FileManifest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a sync does to every file, decided from the source's listing and what the destination
 * holds: a pure function, so it is the same for a dry run and a real sync, and is tested with
 * hand-made listings. Direction-free: the source is whatever is mirrored (a node's listing for a
 * pull), the destination whatever is made like it.
 *
 * <p>A listed file is {@link Action#NEW} when the destination has no regular file of its name,
 * {@link Action#SAME} when the destination's file has its size and every chunk matches the
 * listing's CRC32C and SHA-256, else {@link Action#CHANGED}, with the bytes of the chunks that
 * match at the same offsets as {@code bytesReused} (what a delta pull copies instead of fetching;
 * a level-2 delta may fetch still less). A destination file the source does not list is
 * {@link Action#EXTRA}, or {@link Action#DELETED} when the sync deletes; only regular files are
 * ever deleted (a symlink or special file is reported, with why, and kept). The folders a delete
 * removes are those the source does not have and that hold nothing kept.
 */
public final class SyncPlan {
  /** What happens to one file. */
  public enum Action {
    NEW, CHANGED, SAME, EXTRA, DELETED;

    /** The word in the log: {@code new}, {@code changed}, ... */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A regular file the destination holds under a name the source lists: its size, and which
   * chunks (CRC32C and SHA-256 at the same offset) are those of the manifest whose root is
   * {@code checkedRoot} (hex). Checked against another version, it is only known to exist.
   */
  public record Held(long size, String checkedRoot, BitSet matching) {
    public Held {
      matching = (BitSet) matching.clone();
    }
  }

  /** One line of the plan; {@code digest} is the source file's root (hex), null for a local-only file. */
  public record Entry(String name, Action action, long size, long bytesMoved, long bytesReused, String digest,
      String note) {
    Entry withAction(Action a, String n) {
      return new Entry(name, a, size, bytesMoved, bytesReused, digest, n);
    }

    Entry withDigest(String d, String n) {
      return new Entry(name, action, size, bytesMoved, bytesReused, d, n);
    }
  }

  /** Sums over the entries. {@code filesMoved} = new + changed; {@code bytesSame}: the bytes of same files. */
  public record Totals(int files, int filesNew, int filesChanged, int filesSame, int filesMoved, long bytesMoved,
      long bytesReused, long bytesSame, int filesExtra, long bytesExtra, int filesDeleted, long bytesDeleted,
      int dirsDeleted) {}

  private final List<Entry> entries;
  private final List<String> dirsToDelete;
  private final boolean delete;

  private SyncPlan(List<Entry> entries, List<String> dirsToDelete, boolean delete) {
    this.entries = List.copyOf(entries);
    this.dirsToDelete = List.copyOf(dirsToDelete);
    this.delete = delete;
  }

  /**
   * The plan for mirroring {@code listing} (names as they land) onto a destination that holds
   * {@code held} (by name, for the listed names it has as regular files) and whose whole tree is
   * {@code tree}; with {@code delete}, extras are marked {@link Action#DELETED}.
   */
  public static SyncPlan of(List<FileManifest> listing, Map<String, Held> held, LocalTree.Scan tree, boolean delete) {
    Map<String, Entry> byName = new TreeMap<>();
    Set<String> sourceDirs = new HashSet<>();
    for (FileManifest m : listing) {
      sourceDirs.addAll(ancestors(m.name()));
      byName.put(m.name(), listed(m, held.get(m.name()), tree.kept().get(m.name())));
    }
    for (Map.Entry<String, Long> f : tree.files().entrySet()) {
      if (!byName.containsKey(f.getKey())) {
        byName.put(f.getKey(), new Entry(f.getKey(), delete ? Action.DELETED : Action.EXTRA, f.getValue(), 0, 0,
            null, null));
      }
    }
    for (Map.Entry<String, String> k : tree.kept().entrySet()) {
      if (!byName.containsKey(k.getKey())) {
        byName.put(k.getKey(), new Entry(k.getKey(), Action.EXTRA, 0, 0, 0, null, "kept: " + k.getValue()));
      }
    }
    List<String> dirs = new ArrayList<>();
    if (delete) {
      Set<String> holdKept = new HashSet<>();
      tree.kept().keySet().forEach(k -> holdKept.addAll(ancestors(k)));
      for (String d : tree.dirs()) {
        if (!sourceDirs.contains(d) && !holdKept.contains(d) && !tree.kept().containsKey(d)) {
          dirs.add(d);
        }
      }
      dirs.sort(Comparator.comparingInt(SyncPlan::depth).reversed().thenComparing(Comparator.naturalOrder()));
    }
    return new SyncPlan(new ArrayList<>(byName.values()), dirs, delete);
  }

  private static Entry listed(FileManifest m, Held h, String kept) {
    String note = kept == null ? null : "the destination has a " + kept + " here";
    if (h == null) {
      return new Entry(m.name(), Action.NEW, m.size(), m.size(), 0, digestOf(m), note);
    }
    if (m.streamed() || !m.rootHex().equals(h.checkedRoot())) {
      return new Entry(m.name(), Action.CHANGED, m.size(), m.size(), 0, digestOf(m), "not compared with this version");
    }
    long reusable = 0;
    int matched = 0;
    BitSet ok = h.matching();
    for (int i = ok.nextSetBit(0); i >= 0 && i < m.chunkCount(); i = ok.nextSetBit(i + 1)) {
      if (m.chunkOffset(i) + m.chunkLength(i) <= h.size()) {
        reusable += m.chunkLength(i);
        matched++;
      }
    }
    if (h.size() == m.size() && matched == m.chunkCount()) {
      return new Entry(m.name(), Action.SAME, m.size(), 0, 0, digestOf(m), null);
    }
    return new Entry(m.name(), Action.CHANGED, m.size(), m.size() - reusable, reusable, digestOf(m), null);
  }

  private static String digestOf(FileManifest m) {
    return m.streamed() ? null : m.rootHex();
  }

  /** Every proper ancestor folder of a relative name ({@code a/b/c} → {@code a}, {@code a/b}). */
  static List<String> ancestors(String name) {
    List<String> out = new ArrayList<>();
    for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
      out.add(name.substring(0, i));
    }
    return out;
  }

  private static int depth(String name) {
    return ancestors(name).size();
  }

  /** Every file, listed or local, by name. */
  public List<Entry> entries() {
    return entries;
  }

  /** Whether extras are deleted. */
  public boolean deletes() {
    return delete;
  }

  /** The regular files to delete (names). */
  public List<String> filesToDelete() {
    return entries.stream().filter(e -> e.action() == Action.DELETED).map(Entry::name).toList();
  }

  /** The folders to remove once the files are gone, deepest first. */
  public List<String> dirsToDelete() {
    return dirsToDelete;
  }

  /** The entry of one name, or null. */
  public Entry entry(String name) {
    return entries.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * This plan after its deletion ran: files it could not delete become {@link Action#EXTRA} with
   * why, and only the folders removed are kept.
   */
  public SyncPlan deleted(LocalTree.Deletion d) {
    List<Entry> out = new ArrayList<>();
    Set<String> gone = new HashSet<>(d.files());
    for (Entry e : entries) {
      if (e.action() == Action.DELETED && !gone.contains(e.name())) {
        String why = d.refused().getOrDefault(e.name(), "not deleted");
        out.add(e.withAction(Action.EXTRA, "kept: " + why));
      } else {
        out.add(e);
      }
    }
    return new SyncPlan(out, d.dirs(), delete);
  }

  /** This plan with the digests a pull published (by name): a listed file it did not publish gets a note and no digest. */
  public SyncPlan published(Map<String, String> digests) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.action() == Action.NEW || e.action() == Action.CHANGED || e.action() == Action.SAME) {
        String d = digests.get(e.name());
        out.add(d == null ? e.withDigest(null, "not published") : e.withDigest(d, e.note()));
      } else {
        out.add(e);
      }
    }
    return new SyncPlan(out, dirsToDelete, delete);
  }

  /** A plan in which nothing is deleted (after a failed pull): every would-be deletion is an extra. */
  public SyncPlan keepingEverything(String why) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      out.add(e.action() == Action.DELETED ? e.withAction(Action.EXTRA, "kept: " + why) : e);
    }
    return new SyncPlan(out, List.of(), delete);
  }

  public Totals totals() {
    int files = 0, nw = 0, changed = 0, same = 0, extra = 0, deleted = 0;
    long moved = 0, reused = 0, sameBytes = 0, extraBytes = 0, deletedBytes = 0;
    for (Entry e : entries) {
      switch (e.action()) {
        case NEW -> nw++;
        case CHANGED -> changed++;
        case SAME -> {
          same++;
          sameBytes += e.size();
        }
        case EXTRA -> {
          extra++;
          extraBytes += e.size();
        }
        case DELETED -> {
          deleted++;
          deletedBytes += e.size();
        }
      }
      if (e.action() == Action.NEW || e.action() == Action.CHANGED || e.action() == Action.SAME) {
        files++;
      }
      moved += e.bytesMoved();
      reused += e.bytesReused();
    }
    return new Totals(files, nw, changed, same, nw + changed, moved, reused, sameBytes, extra, extraBytes, deleted,
        deletedBytes, dirsToDelete.size());
  }
}
