package io.shardline.engine.https;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.storage.LocalChunkSource;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Streams bytes {@code [offset, offset + length)} of an open file into an HTTP response with
 * bounded memory: a disk worker reads the next block (positional read into a pooled direct
 * buffer) while the event loop writes the last one; no read starts while the response's write
 * queue is full (it resumes on drain), and a rate limit, when set, delays the next read by what
 * the bucket says. At most one block is being read and {@code writeQueueMax} plus a block is
 * queued, per response.
 *
 * <p>Buffer ownership: a block read is owned by this pump until it is handed to
 * {@link HttpServerResponse#write}; from then on by the write, whose future releases it (Vert.x
 * writes a direct buffer as an unreleasable view, and completes or fails every write's future,
 * also for writes it drops when the connection closes). This class and the body of
 * {@link #wrap} are the HTTPS front's one use of Vert.x's internal buffer API.
 *
 * <p>When the last block is read the file is {@code lstat}ed again: if it changed while it was
 * sent, the connection is reset instead of ending the response, so the client sees a broken
 * transfer, never a complete-looking mix of two versions. All methods but the reads run on the
 * response's event loop.
 */
final class FileBody {
  /** Bytes per read and per write: large enough to keep the hops between threads cheap. */
  static final int BLOCK = 512 * 1024;
  /** Bytes a response may have queued for the socket before the next read waits. */
  static final int WRITE_QUEUE_MAX = 2 * 1024 * 1024;

  private final Vertx vertx;
  private final WorkerExecutor disk;
  private final ByteBufAllocator alloc;
  private final TokenBucket bucket;
  private final LocalChunkSource.Node file;
  private final FileChannel channel;
  private final HttpServerResponse response;
  private final long end;
  private final Promise<Void> done = Promise.promise();
  private long next;
  private boolean reading;
  private boolean waiting;
  private boolean finished;

  private FileBody(Vertx vertx, WorkerExecutor disk, ByteBufAllocator alloc, TokenBucket bucket,
      LocalChunkSource.Node file, FileChannel channel, HttpServerResponse response, long offset, long length) {
    this.vertx = vertx;
    this.disk = disk;
    this.alloc = alloc;
    this.bucket = bucket;
    this.file = file;
    this.channel = channel;
    this.response = response;
    this.next = offset;
    this.end = offset + length;
  }

  /**
   * Sends the range and ends the response; the future completes when the last byte is written,
   * and fails when the client went away or the file changed or failed (the connection is then
   * closed). The caller has set the status and headers, {@code Content-Length} among them, and
   * keeps the channel open until the future completes.
   */
  static Future<Void> send(Vertx vertx, WorkerExecutor disk, ByteBufAllocator alloc, TokenBucket bucket,
      LocalChunkSource.Node file, FileChannel channel, HttpServerResponse response, long offset, long length) {
    FileBody b = new FileBody(vertx, disk, alloc, bucket, file, channel, response, offset, length);
    response.setWriteQueueMaxSize(WRITE_QUEUE_MAX);
    response.closeHandler(v -> b.fail(new ShardlineException(ErrorCode.IO_ERROR, "the client closed the connection")));
    response.drainHandler(v -> b.pump());
    b.pump();
    return b.done.future();
  }

  /** Starts the next read if it may start now (from the start, a drain or the rate limit's timer). */
  private void pump() {
    Read r = startRead();
    if (r != null) {
      r.then(this);
    }
  }

  /** A read under way: block of {@code length} bytes, the last one of the range or not. */
  private record Read(Future<ByteBuf> future, int length, boolean last) {
    void then(FileBody body) {
      future.onComplete(ar -> {
        body.reading = false;
        if (ar.failed()) {
          body.fail(ar.cause());
        } else {
          body.written(ar.result(), length, last);
        }
      });
    }
  }

  /** The next block's read, or null when none may start now (finished, reading, waiting, queue full). */
  private Read startRead() {
    if (finished || reading || waiting || next >= end || response.writeQueueFull()) {
      return null; // a drain, the timer or the read under way pumps again
    }
    int n = (int) Math.min(BLOCK, end - next);
    long at = next;
    next += n;
    reading = true;
    boolean last = next >= end;
    return new Read(disk.executeBlocking(() -> read(at, n, last), false), n, last);
  }

  /**
   * A block is read. The next read starts before this block is written, so its encryption (on
   * this event loop) overlaps the next read on a disk worker; the next read's handler is attached
   * only after this block's write, so blocks are written in order even when a read completes at
   * once.
   */
  private void written(ByteBuf buf, int n, boolean last) {
    if (finished) {
      buf.release();
      return;
    }
    long wait = bucket == null ? 0 : bucket.take(System.nanoTime(), n);
    Read following = null;
    if (!last) {
      if (wait > 0) {
        waiting = true;
        vertx.setTimer(Math.max(1, wait / 1_000_000), id -> {
          waiting = false;
          pump();
        });
      } else {
        following = startRead();
      }
    }
    response.write(wrap(buf)).onComplete(w -> buf.release());
    if (last) {
      finish();
    } else if (following != null) {
      following.then(this);
    }
  }

  /** One block, read on a disk worker; after the last one, the file must still be the version sent. */
  private ByteBuf read(long at, int n, boolean last) throws IOException {
    ByteBuf buf = alloc.directBuffer(n, n);
    try {
      ChunkSums.readFully(channel, buf.internalNioBuffer(0, n), at);
      buf.writerIndex(n);
      if (last) {
        BasicFileAttributes now = Files.readAttributes(file.real(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!LocalChunkSource.sameVersion(file.attrs(), now)) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + file.rel() + " changed while it was sent");
        }
      }
      return buf;
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw e;
    }
  }

  private void finish() {
    finished = true;
    response.end().onComplete(ar -> {
      if (ar.succeeded()) {
        done.tryComplete();
      } else {
        done.tryFail(ar.cause());
      }
    });
  }

  private void fail(Throwable t) {
    if (finished) {
      return;
    }
    finished = true;
    response.reset(); // HTTP/1.1: closes the connection, so a short body is never taken as complete
    done.tryFail(t);
  }

  /** A Vert.x buffer over a pooled Netty buffer, without a copy; the caller keeps the ownership. */
  private static BufferInternal wrap(ByteBuf buf) {
    return BufferInternal.buffer(buf);
  }
}
