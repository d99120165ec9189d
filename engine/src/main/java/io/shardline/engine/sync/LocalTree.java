package io.shardline.engine.sync;

import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.LocalChunkSink;
import io.shardline.engine.storage.SafePath;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A local destination tree as a sync sees it: what it holds (a walk that never follows a symlink
 * and never enters a {@code .shardline/} state folder), which chunks of its files are a listing's,
 * and the deletion of extras. Blocking: call from a thread that may block, never an event loop.
 *
 * <p>A deletion stays inside the tree: every path is a checked relative name resolved under the
 * tree's real path, its parent folder must resolve to itself (no symlink on the way, so nothing
 * outside is reached through one), and only regular files and empty folders are removed, each
 * checked again just before (a file swapped for a symlink since the scan is refused, not followed).
 */
public final class LocalTree {
  private LocalTree() {}

  /**
   * A tree's contents, by relative name ({@code /}-separated): regular files with their sizes,
   * folders (not the root), and entries that are never deleted with why (a symlink, a special
   * file, a folder that could not be read, a {@code .shardline/} state folder below the root). Nothing
   * inside a state folder is in it, nor the root's own {@code .shardline/}.
   */
  public record Scan(Map<String, Long> files, Set<String> dirs, Map<String, String> kept) {
    public Scan {
      files = Map.copyOf(files);
      dirs = Set.copyOf(dirs);
      kept = Map.copyOf(kept);
    }

    /** An empty tree (a destination that does not exist yet). */
    public static Scan empty() {
      return new Scan(Map.of(), Set.of(), Map.of());
    }
  }

  /** What a deletion did: files removed, their bytes, folders removed, and what it refused to remove with why. */
  public record Deletion(List<String> files, long bytes, List<String> dirs, Map<String, String> refused) {
    public Deletion {
      files = List.copyOf(files);
      dirs = List.copyOf(dirs);
      refused = Map.copyOf(refused);
    }
  }

  /** Whether a relative name lies in a state folder ({@code .shardline} as any segment). */
  static boolean inStateDir(String name) {
    for (String seg : name.split("/", -1)) {
      if (seg.equals(LocalChunkSink.STATE_DIR)) {
        return true;
      }
    }
    return false;
  }

  /** Walks {@code root} (which must be a directory, or absent: then the tree is empty). */
  public static Scan scan(Path root) throws IOException {
    if (!Files.exists(root)) {
      return Scan.empty();
    }
    Path real = root.toRealPath();
    Map<String, Long> files = new TreeMap<>();
    Set<String> dirs = new TreeSet<>();
    Map<String, String> kept = new TreeMap<>();
    Files.walkFileTree(real, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        if (dir.equals(real)) {
          return FileVisitResult.CONTINUE;
        }
        if (dir.getFileName().toString().equals(LocalChunkSink.STATE_DIR)) {
          if (!dir.getParent().equals(real)) {
            kept.put(name(real, dir), "state folder"); // a pull into a sub-folder: it keeps that folder
          }
          return FileVisitResult.SKIP_SUBTREE;
        }
        dirs.add(name(real, dir));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        String n = name(real, file);
        if (attrs.isRegularFile()) {
          files.put(n, attrs.size());
        } else if (attrs.isSymbolicLink()) {
          kept.put(n, "symlink");
        } else if (!attrs.isDirectory()) {
          kept.put(n, "special file");
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (file.equals(real)) {
          throw e;
        }
        kept.put(name(real, file), "unreadable (" + e.getClass().getSimpleName() + ")");
        return FileVisitResult.CONTINUE;
      }
    });
    return new Scan(files, dirs, kept);
  }

  private static String name(Path root, Path p) {
    return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
  }

  /**
   * What the tree holds of each listed file it has as a regular file (in {@code scan}): its size
   * and the chunks that match the listing's CRC32C and SHA-256 at their offsets. Reads those files.
   */
  public static Map<String, SyncPlan.Held> held(Path root, List<FileManifest> listing, Scan scan) throws IOException {
    Map<String, SyncPlan.Held> out = new HashMap<>();
    if (scan.files().isEmpty()) {
      return out;
    }
    Path real = root.toRealPath();
    for (FileManifest m : listing) {
      Long size = scan.files().get(m.name());
      if (size == null) {
        continue;
      }
      Path p = inside(real, m.name());
      if (p == null || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        continue; // changed since the scan: not held
      }
      BitSet ok = ChunkSums.matchingStrongly(p, m);
      out.put(m.name(), new SyncPlan.Held(Files.size(p), m.rootHex(), ok));
    }
    return out;
  }

  /**
   * The path of {@code name} under the real root {@code real}, if it is a valid relative name
   * outside state folders whose parent folder is reached through no symlink; else null.
   */
  static Path inside(Path real, String name) {
    if (inStateDir(name)) {
      return null;
    }
    Path p;
    try {
      p = SafePath.under(real, name);
    } catch (RuntimeException e) {
      return null;
    }
    if (p.equals(real)) {
      return null;
    }
    try {
      Path parent = p.getParent();
      return parent.toRealPath().equals(parent) ? p : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Deletes the regular files {@code files}, then the folders {@code dirs} (deepest first) that
   * are empty by then, all under {@code root}; refuses (and reports) anything else. Never throws
   * for one path: every failure is in {@link Deletion#refused()}.
   */
  public static Deletion delete(Path root, List<String> files, List<String> dirs) throws IOException {
    Path real = root.toRealPath();
    List<String> gone = new ArrayList<>();
    List<String> goneDirs = new ArrayList<>();
    Map<String, String> refused = new LinkedHashMap<>();
    long bytes = 0;
    for (String f : files) {
      Path p = inside(real, f);
      if (p == null) {
        refused.put(f, "outside the destination, in a state folder, or behind a symlink");
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
          refused.put(f, a.isSymbolicLink() ? "a symlink now" : "not a regular file now");
          continue;
        }
        Files.delete(p);
        gone.add(f);
        bytes += a.size();
      } catch (NoSuchFileException e) {
        refused.put(f, "already gone");
      } catch (IOException e) {
        refused.put(f, "cannot delete: " + e);
      }
    }
    for (String d : dirs) {
      Path p = inside(real, d);
      if (p == null) {
        refused.put(d, "outside the destination, in a state folder, or behind a symlink");
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) {
          refused.put(d, "not a folder now");
          continue;
        }
        Files.delete(p);
        goneDirs.add(d);
      } catch (DirectoryNotEmptyException e) {
        refused.put(d, "not empty");
      } catch (NoSuchFileException e) {
        refused.put(d, "already gone");
      } catch (IOException e) {
        refused.put(d, "cannot delete: " + e);
      }
    }
    return new Deletion(gone, bytes, goneDirs, refused);
  }
}
