package io.shardline.engine.storage;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Opens a served file for reading only if it is a regular file, so that a FIFO, socket or device
 * in the served tree can never block a disk worker in {@code open(2)} (a FIFO's open blocks until
 * a writer appears; a tape or terminal device may block or have side effects).
 *
 * <p>Why check-then-open: Java has no {@code O_NONBLOCK} open option, and checking the opened
 * channel is too late (the open itself is what blocks). So the path (already resolved to its
 * real, symlink-free form) is {@code lstat}ed with {@link LinkOption#NOFOLLOW_LINKS} immediately
 * before the open, the open uses {@code O_NOFOLLOW} (a symlink swapped in meanwhile fails
 * instead of being followed), and after the open the path is checked again: it must still be the
 * same regular file (same file key: device and inode). What remains is the window between the
 * first {@code lstat} and the {@code open}, a few microseconds: only someone who can write the
 * served tree can swap a FIFO in there, and that someone can already serve anything. No remote
 * client can create files in the served tree (a pull's own state folders, {@code .shardline},
 * are never served: {@link LocalChunkSource}).
 */
public final class RegularFile {
  private RegularFile() {}

  /**
   * Attributes of {@code real} (not following a final symlink); a {@code NOT_FOUND} naming
   * {@code shown} (the path under the root) and the kind of file when it is not a regular file.
   */
  public static BasicFileAttributes check(Path real, String shown) throws IOException {
    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isRegularFile()) {
      throw notRegular(real, a, shown);
    }
    return a;
  }

  /**
   * Opens {@code real} for reading after {@link #check}; fails with {@code NOT_FOUND} for
   * anything but a regular file and with {@code SOURCE_CHANGED} when the path was replaced by
   * another file between the check and the open. Blocking.
   */
  public static FileChannel open(Path real, String shown) throws IOException {
    BasicFileAttributes before = check(real, shown);
    FileChannel ch = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    try {
      BasicFileAttributes after = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!after.isRegularFile() || (before.fileKey() != null && !Objects.equals(before.fileKey(), after.fileKey()))) {
        throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + shown + " was replaced while it was opened");
      }
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static ShardlineException notRegular(Path real, BasicFileAttributes a, String shown) {
    return new ShardlineException(ErrorCode.NOT_FOUND, "/" + shown + " is " + kind(real, a)
        + ", not a regular file; only regular files are served");
  }

  /** "a FIFO", "a socket", "a device", "a directory", "a symlink" or "a special file". */
  static String kind(Path real, BasicFileAttributes a) {
    if (a.isDirectory()) {
      return "a directory";
    }
    if (a.isSymbolicLink()) {
      return "a symlink";
    }
    try {
      int mode = (Integer) Files.getAttribute(real, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return switch (mode & 0170000) {
        case 0010000 -> "a FIFO";
        case 0140000 -> "a socket";
        case 0020000, 0060000 -> "a device";
        default -> "a special file";
      };
    } catch (IOException | RuntimeException e) {
      return "a special file"; // no unix view on this filesystem
    }
  }
}
