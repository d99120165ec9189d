package io.shardline.engine.hdfs;

import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The peer of {@link HdfsWriteRateBench}: the Hadoop client's own {@code copyFromLocalFile} of one
 * local file (what {@code hdfs dfs -put} does), timed from {@code FileSystem} open to close;
 * prints {@code seconds S}. Arguments: NAMENODE_URI LOCAL_FILE HDFS_PATH.
 */
public final class HdfsCopyPeer {
  private HdfsCopyPeer() {}

  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    try (FileSystem fs = FileSystem.newInstance(URI.create(args[0]), new Configuration())) {
      fs.copyFromLocalFile(false, true, new Path(java.nio.file.Path.of(args[1]).toUri()), new Path(args[2]));
    }
    System.out.printf("seconds %.3f%n", (System.nanoTime() - t0) / 1e9);
  }
}
