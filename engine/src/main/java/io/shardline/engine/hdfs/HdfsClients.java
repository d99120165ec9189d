package io.shardline.engine.hdfs;

import io.shardline.engine.error.ErrorCode;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Builds the Hadoop {@link FileSystem} of an HDFS source or destination: the site files of
 * {@code HADOOP_CONF_DIR} ({@code core-site.xml}, {@code hdfs-site.xml}) when it is set and holds
 * them (security, replication, client settings come from there, never from a flag), then short
 * connect settings so an unreachable NameNode fails in seconds instead of Hadoop's minutes of
 * retries. Each call makes a new, uncached instance that the caller closes. Blocking: call from
 * a worker thread.
 */
public final class HdfsClients {
  /** Milliseconds to connect to the NameNode before one attempt fails. */
  public static final int DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
  /** Attempts after the first to connect to the NameNode (Hadoop's default is 10, each with a 1 s sleep). */
  public static final int DEFAULT_CONNECT_RETRIES = 1;

  /** Milliseconds before a close or a new block first asks the NameNode again (Hadoop's default: 400). */
  public static final int DEFAULT_BLOCK_RETRY_DELAY_MS = 25;
  /** How often a close or a new block asks again, the delay doubling each time (Hadoop's default: 5). */
  public static final int DEFAULT_BLOCK_RETRIES = 10;

  private HdfsClients() {}

  /** The client configuration: {@code HADOOP_CONF_DIR}'s site files, then the short connect settings. */
  public static Configuration configuration() {
    Configuration conf = new Configuration();
    String dir = System.getenv("HADOOP_CONF_DIR");
    if (dir != null && !dir.isBlank()) {
      for (String site : new String[] {"core-site.xml", "hdfs-site.xml"}) {
        Path p = Path.of(dir, site);
        if (Files.isRegularFile(p)) {
          try {
            conf.addResource(p.toUri().toURL());
          } catch (MalformedURLException e) {
            throw new IllegalStateException(p + " has no URL", e);
          }
        }
      }
    }
    shortConnects(conf);
    return conf;
  }

  /** Sets the connect timeout and retries (unless the site files chose their own). */
  static void shortConnects(Configuration conf) {
    setUnlessSet(conf, "ipc.client.connect.timeout", Integer.toString(DEFAULT_CONNECT_TIMEOUT_MS));
    setUnlessSet(conf, "ipc.client.connect.max.retries", Integer.toString(DEFAULT_CONNECT_RETRIES));
    setUnlessSet(conf, "ipc.client.connect.max.retries.on.timeouts", Integer.toString(DEFAULT_CONNECT_RETRIES));
    setUnlessSet(conf, "ipc.client.connect.retry.interval", "200");
    setUnlessSet(conf, "dfs.client.retry.policy.enabled", "false");
    setUnlessSet(conf, "dfs.client.failover.max.attempts", "1");
    // A pipeline whose DataNode hiccups (an append right after a truncate's block recovery) goes on with the
    // DataNodes it has instead of failing when no replacement exists (a small cluster); the bytes are still
    // checked by the root digest before publish.
    setUnlessSet(conf, "dfs.client.block.write.replace-datanode-on-failure.best-effort", "true");
    // Closing a file (completeFile) and starting its next block (addBlock) wait for the DataNodes to report the
    // last block to the NameNode; when the report is not in yet, the client sleeps before it asks again: 400 ms
    // first by default, doubling, 5 times. The report is usually a few ms behind, so every file closed paid
    // ~400 ms (a tree of small files wrote at a few MB/s). First retry after 25 ms instead, doubling 10 times:
    // ~25 s in all before giving up, twice the default patience.
    setUnlessSet(conf, "dfs.client.block.write.locateFollowingBlock.initial.delay.ms",
        Integer.toString(DEFAULT_BLOCK_RETRY_DELAY_MS));
    setUnlessSet(conf, "dfs.client.block.write.locateFollowingBlock.retries", Integer.toString(DEFAULT_BLOCK_RETRIES));
    // Reuse the 64 KiB packet buffers of a write instead of a new array per packet (thread dumps of a pull into
    // HDFS showed the appender allocating them much of the time).
    setUnlessSet(conf, "dfs.client.write.byte-array-manager.enabled", "true");
  }

  private static void setUnlessSet(Configuration conf, String key, String value) {
    if (isDefaultOnly(conf, key)) {
      conf.set(key, value, "shardline");
    }
  }

  private static boolean isDefaultOnly(Configuration conf, String key) {
    String[] sources = conf.getPropertySources(key);
    if (sources == null) {
      return true;
    }
    for (String s : sources) {
      if (!s.endsWith("-default.xml")) {
        return false;
      }
    }
    return true;
  }

  /** A new file system for {@code at}'s NameNode; the caller closes it. */
  public static FileSystem open(HdfsLocation at, Configuration conf, ErrorCode io) {
    try {
      return FileSystem.newInstance(URI.create(at.fileSystem()), conf);
    } catch (IOException e) {
      throw HdfsErrors.of(e, "connecting to", at, io);
    }
  }
}
