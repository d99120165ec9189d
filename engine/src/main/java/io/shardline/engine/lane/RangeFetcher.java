package io.shardline.engine.lane;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.delta.SegmentIndex;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.Protocol;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;

/**
 * A delta pull's requests on one connection (v6): the content-defined segments of a listed file's
 * range (SEGMENTS), and byte ranges of it (GET_RANGE), several outstanding, matched to their
 * answers by request id. Every DATA is identity and checked against its frame's CRC32C here (the
 * chunk it becomes part of is checked against the manifest by its file). Call from the
 * connection's context; a closed connection fails whatever is outstanding.
 */
public final class RangeFetcher {
  private final ClientConnection conn;
  private final Map<Integer, Promise<SegmentIndex>> segmentWaiters = new HashMap<>();
  private final Map<Integer, Promise<ByteBuf>> rangeWaiters = new HashMap<>();
  private int nextId = 1;
  /** Bytes of DATA frames received (their wire size), for the pull's wire count. */
  private long wireBytes;
  private ShardlineException closed;

  public RangeFetcher(ClientConnection conn) {
    this.conn = conn;
    conn.handler(this::dispatch);
  }

  /** The segments of {@code path} (at {@code version}, v7; 0: the one listed last) that overlap {@code [offset, offset + length)}. */
  public Future<SegmentIndex> segments(String path, long offset, long length, long version) {
    if (closed != null) {
      return Future.failedFuture(closed);
    }
    int id = nextId++;
    Promise<SegmentIndex> p = Promise.promise();
    segmentWaiters.put(id, p);
    conn.socket().send(new Frame.Segments(id, path, offset, length, version));
    return p.future();
  }

  /** {@code length} bytes of {@code path} at {@code offset}: a buffer the caller owns. */
  public Future<ByteBuf> range(String path, long offset, int length, long version) {
    if (closed != null) {
      return Future.failedFuture(closed);
    }
    int id = nextId++;
    Promise<ByteBuf> p = Promise.promise();
    rangeWaiters.put(id, p);
    conn.socket().send(new Frame.GetRange(id, path, offset, length, version));
    return p.future().compose(b -> {
      if (b.readableBytes() != length) {
        b.release();
        return Future.failedFuture(new ShardlineException(ErrorCode.MALFORMED_FRAME, "GET_RANGE of " + length
            + " bytes answered with " + b.readableBytes()));
      }
      return Future.succeededFuture(b);
    });
  }

  public long wireBytes() {
    return wireBytes;
  }

  public void close() {
    conn.socket().close();
  }

  private void dispatch(Object msg) {
    if (msg instanceof Frame.SegmentList l) {
      Promise<SegmentIndex> p = segmentWaiters.remove(l.requestId());
      if (p != null) {
        p.tryComplete(l.segments());
      }
    } else if (msg instanceof Frame.Data d) {
      Promise<ByteBuf> p = rangeWaiters.remove(d.requestId());
      if (p == null) {
        d.release();
        return;
      }
      wireBytes += Protocol.PREFIX_BYTES + Protocol.DATA_HEADER_BYTES + d.payload().readableBytes();
      if (d.codec() != CodecId.IDENTITY.wire() || Crc32c.of(d.payload()) != d.crc()) {
        d.release();
        p.tryFail(new ShardlineException(ErrorCode.CHECKSUM_MISMATCH, "a GET_RANGE answer failed its CRC32C"));
        return;
      }
      p.tryComplete(d.payload());
    } else if (msg instanceof Frame.Error e) {
      ShardlineException err = new ShardlineException(e.code(), e.message());
      if (e.requestId() == 0) {
        failAll(err);
        return;
      }
      Promise<SegmentIndex> s = segmentWaiters.remove(e.requestId());
      if (s != null) {
        s.tryFail(err);
      }
      Promise<ByteBuf> r = rangeWaiters.remove(e.requestId());
      if (r != null) {
        r.tryFail(err);
      }
    } else if (msg instanceof ShardlineException e) {
      failAll(e);
    } else {
      if (msg instanceof Frame.Data d) {
        d.release();
      }
      failAll(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "unexpected frame during a delta pull: " + msg));
    }
  }

  private void failAll(ShardlineException e) {
    closed = e;
    segmentWaiters.values().forEach(p -> p.tryFail(e));
    rangeWaiters.values().forEach(p -> p.tryFail(e));
    segmentWaiters.clear();
    rangeWaiters.clear();
  }
}
