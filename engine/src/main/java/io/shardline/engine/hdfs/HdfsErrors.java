package io.shardline.engine.hdfs;

import io.shardline.engine.error.Causes;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.security.AccessControlException;

/**
 * A Hadoop failure as one typed error naming what failed and where: the NameNode cannot be
 * reached, the path or its parent is missing, permission was denied, the file changed. Messages
 * name the location and the first line of Hadoop's own message (which names paths and users, no
 * token or key); a remote exception is unwrapped to its Hadoop type first.
 */
final class HdfsErrors {
  private HdfsErrors() {}

  /**
   * {@code e} while doing {@code what} (e.g. "listing") on {@code at}; {@code io} is the code for
   * failures that may pass (IO_ERROR on the serving side, DESTINATION_ERROR on the receiving side).
   */
  static ShardlineException of(IOException e, String what, HdfsLocation at, ErrorCode io) {
    IOException u = e instanceof RemoteException r ? r.unwrapRemoteException() : e;
    String head = what + " " + at + " failed: ";
    if (unreachable(u)) {
      return new ShardlineException(io, head + "cannot reach the NameNode " + at.fileSystem() + " ("
          + Causes.root(u) + ")", e);
    }
    if (u instanceof AccessControlException) {
      return new ShardlineException(ErrorCode.AUTH_FAILED, head + "permission denied (" + Causes.firstLine(u.getMessage())
          + ")", e);
    }
    if (u instanceof FileNotFoundException) {
      return new ShardlineException(ErrorCode.NOT_FOUND, head + "no such file or folder (" + Causes.firstLine(u.getMessage())
          + ")", e);
    }
    if (u instanceof ParentNotDirectoryException) {
      return new ShardlineException(ErrorCode.BAD_PATH, head + "a parent is a file, not a folder ("
          + Causes.firstLine(u.getMessage()) + ")", e);
    }
    if (u instanceof FileAlreadyExistsException) {
      return new ShardlineException(io, head + "it already exists (" + Causes.firstLine(u.getMessage()) + ")", e);
    }
    return new ShardlineException(io, head + u.getClass().getSimpleName() + ": " + Causes.firstLine(u.getMessage()), e);
  }

  private static boolean unreachable(Throwable e) {
    return Causes.any(e, c -> c instanceof ConnectException || c instanceof UnknownHostException
        || c instanceof SocketTimeoutException || c instanceof NoRouteToHostException);
  }
}
