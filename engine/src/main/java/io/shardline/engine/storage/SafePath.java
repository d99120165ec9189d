package io.shardline.engine.storage;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Validates relative paths that arrive from a peer, and resolves them under a root so that
 * nothing outside it is ever read or written. Wire paths use '/' and are relative: no leading
 * '/', no '.' or '..' segments, no empty segments, no NUL or backslash, at most
 * {@link Protocol#MAX_PATH} bytes and 255 per segment. The empty string means the root itself.
 */
public final class SafePath {
  private SafePath() {}

  /** Normalises a user-given remote path ("/", "/a/b", "a/b/") to wire form ("", "a/b"). */
  public static String normalize(String path) {
    String p = path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return check(p);
  }

  /** Returns {@code rel} if it is a valid relative wire path; throws {@code BAD_PATH} otherwise. */
  public static String check(String rel) {
    if (rel.length() > Protocol.MAX_PATH || utf8Length(rel) > Protocol.MAX_PATH) {
      throw bad(rel, "longer than " + Protocol.MAX_PATH + " bytes");
    }
    if (rel.isEmpty()) {
      return rel;
    }
    if (rel.startsWith("/")) {
      throw bad(rel, "absolute paths are not allowed");
    }
    for (int i = 0; i < rel.length(); i++) {
      char c = rel.charAt(i);
      if (c == 0 || c == '\\') {
        throw bad(rel, "contains a NUL or backslash");
      }
    }
    for (String seg : rel.split("/", -1)) {
      if (seg.isEmpty()) {
        throw bad(rel, "contains an empty segment");
      }
      if (seg.equals(".") || seg.equals("..")) {
        throw bad(rel, "contains '" + seg + "'");
      }
      if (utf8Length(seg) > 255) {
        throw bad(rel, "has a segment longer than 255 bytes");
      }
    }
    return rel;
  }

  /** Resolves a checked relative path lexically under {@code root} (for the destination side). */
  public static Path under(Path root, String rel) {
    check(rel);
    Path r = root.toAbsolutePath().normalize();
    Path p = rel.isEmpty() ? r : r.resolve(rel).normalize();
    if (!p.startsWith(r)) {
      throw bad(rel, "escapes the destination");
    }
    return p;
  }

  /**
   * Resolves a relative path under a real (symlink-free) root for reading: the target must exist
   * and its real path, after following symlinks, must still be inside the root.
   */
  public static Path resolveExisting(Path realRoot, String rel) {
    Path lexical = under(realRoot, rel);
    Path real;
    try {
      real = lexical.toRealPath();
    } catch (IOException e) {
      if (!Files.exists(lexical, LinkOption.NOFOLLOW_LINKS)) {
        if (!existingPartInside(realRoot, lexical)) {
          // else NOT_FOUND here and BAD_PATH for an existing file tell what exists out there
          throw bad(rel, "leads outside the served root (symlink)");
        }
        throw new ShardlineException(ErrorCode.NOT_FOUND, "no such file or directory: /" + rel);
      }
      // Never e.getMessage(): it is the absolute path, which would tell a client the server's root.
      throw bad(rel, "cannot be resolved: " + reason(e));
    }
    if (!real.startsWith(realRoot)) {
      throw bad(rel, "leads outside the served root (symlink)");
    }
    return real;
  }

  /** Why a path did not resolve, in words that name no path (a dangling or looping symlink, a permission). */
  private static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "a symlink on the way leads to nothing (dangling)";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason(); // e.g. "Too many levels of symbolic links"; getReason() holds no file name
    }
    return e.getClass().getSimpleName().replace("Exception", "");
  }

  /** Whether the deepest existing ancestor of {@code lexical} resolves inside the root. */
  private static boolean existingPartInside(Path realRoot, Path lexical) {
    for (Path p = lexical.getParent(); p != null && p.startsWith(realRoot); p = p.getParent()) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        try {
          return p.toRealPath().startsWith(realRoot);
        } catch (IOException e) {
          return false; // a dangling or looping symlink on the way
        }
      }
    }
    return true;
  }

  /** Limits are in UTF-8 bytes, as in frames and file systems, not in UTF-16 chars. */
  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static ShardlineException bad(String rel, String why) {
    String shown = rel.length() > 200 ? rel.substring(0, 200) + "..." : rel;
    return new ShardlineException(ErrorCode.BAD_PATH, "path '" + shown.replace("\0", "\\0") + "' refused: " + why);
  }
}
