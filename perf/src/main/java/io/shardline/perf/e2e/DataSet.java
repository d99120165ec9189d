package io.shardline.perf.e2e;

import java.nio.file.Path;
import java.util.List;

/**
 * One data set as every tool sees it: a directory (a view of hard links into the cache) and its
 * files, relative to it, sorted.
 *
 * @param id short name, also the directory name under the views root and the URL path for nginx
 * @param description what the bytes are
 * @param root the directory every tool transfers
 * @param files relative paths of the regular files under root
 * @param bytes total size
 */
record DataSet(String id, String description, Path root, List<String> files, long bytes) {
  boolean manySmallFiles() {
    return files.size() > 100;
  }
}
