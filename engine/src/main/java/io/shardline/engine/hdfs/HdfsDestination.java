package io.shardline.engine.hdfs;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The {@link ChunkSink.Factory} of a pull into {@code hdfs://NAMENODE:PORT/PATH}: one
 * {@link HdfsChunkSink} (one partial file, appended in order) per file under the path, with its
 * resume journal in a local folder ({@code journals}, one file per target, named by the SHA-256 of
 * its URL). {@link #begin()} connects and checks the path is a folder or can be made one before a
 * byte moves. With {@code cleanup}, the partial files of files that did not publish are removed
 * when the pull ends; without, they are kept so the same command resumes them. Owns its file
 * system (closed by {@link #end}). Blocking: call from a worker thread.
 */
public final class HdfsDestination implements ChunkSink.Factory {
  private final HdfsLocation root;
  private final Configuration conf;
  private final java.nio.file.Path journals;
  private final boolean cleanup;
  private final List<HdfsChunkSink> opened = new ArrayList<>();
  private FileSystem fs;
  private int kept;
  private int removed;

  /**
   * @param journals the local folder of the resume journals
   * @param cleanup remove the partial files of files that did not publish when the pull ends
   */
  public HdfsDestination(HdfsLocation root, Configuration conf, java.nio.file.Path journals, boolean cleanup) {
    this.root = root;
    this.conf = conf;
    this.journals = journals;
    this.cleanup = cleanup;
  }

  public HdfsLocation root() {
    return root;
  }

  @Override
  public void begin() throws IOException {
    fs = HdfsClients.open(root, conf, ErrorCode.DESTINATION_ERROR);
    Path p = new Path(root.path());
    try {
      if (fs.exists(p)) {
        FileStatus st = fs.getFileStatus(p);
        if (!st.isDirectory()) {
          throw new ShardlineException(ErrorCode.DESTINATION_ERROR, "cannot pull into " + root + ": it is a file, not"
              + " a folder");
        }
      } else if (!fs.exists(p.getParent() == null ? p : p.getParent())) {
        throw new ShardlineException(ErrorCode.NOT_FOUND, "cannot pull into " + root + ": its parent "
            + (p.getParent() == null ? "/" : p.getParent().toUri().getPath()) + " does not exist");
      } else if (!fs.mkdirs(p)) {
        throw new ShardlineException(ErrorCode.DESTINATION_ERROR, "cannot pull into " + root + ": mkdirs failed");
      }
    } catch (ShardlineException e) {
      close();
      throw e;
    } catch (IOException e) {
      close();
      throw HdfsErrors.of(e, "checking", root, ErrorCode.DESTINATION_ERROR);
    }
    Files.createDirectories(journals);
  }

  @Override
  public ChunkSink open(FileManifest m) {
    String bad = HdfsNames.problem(m.name());
    if (bad != null) {
      throw new ShardlineException(ErrorCode.BAD_PATH, "server sent the file name '" + m.name() + "', which cannot go"
          + " under " + root + ": " + bad);
    }
    HdfsLocation at = root.resolve(m.name());
    HdfsChunkSink sink = new HdfsChunkSink(fs, at, journals.resolve(sha256(at.toString()) + ".journal"), m);
    synchronized (opened) {
      opened.add(sink);
    }
    return sink;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Counts (and with {@code cleanup} removes) the partial files of files that did not publish; closes the file system. */
  @Override
  public void end(List<ChunkSink> published) {
    if (fs == null) {
      return;
    }
    Set<ChunkSink> done = Set.copyOf(published);
    List<HdfsChunkSink> left;
    synchronized (opened) {
      left = opened.stream().filter(s -> !done.contains(s)).toList();
    }
    try {
      for (HdfsChunkSink s : left) {
        s.abort();
        if (!s.hasPartial()) {
          continue;
        }
        if (cleanup) {
          s.discard();
          removed++;
        } else {
          kept++;
        }
      }
    } finally {
      close();
    }
  }

  private void close() {
    try {
      if (fs != null) {
        fs.close();
      }
    } catch (IOException e) {
      // nothing left to write
    }
  }

  /** What a failed pull left in HDFS, after {@link #end}, for the user. */
  public String afterFailure() {
    if (kept > 0) {
      return kept + " partial file(s) (.NAME.shardline-partial) stay under " + root + " with their journals in "
          + journals + "; running the same command again resumes them. To remove them instead, run it again with"
          + " --cleanup.";
    }
    return (removed > 0 ? removed + " partial file(s) under " + root + " were removed; "
        : "no partial file was left under " + root + "; ")
        + "nothing partial is visible under a final name (files appear only once complete and verified).";
  }
}
