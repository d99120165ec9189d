package io.shardline.engine.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A framed connection: the one class that touches Vert.x's internal socket API
 * ({@link NetSocketInternal}). It puts a {@link FrameDecoder} in the Netty pipeline and hands
 * decoded frames to the lane without the heap copy that {@code NetSocket.handler} makes; writes
 * go down as Netty buffers whose ownership passes to Netty. All methods run on the socket's
 * event loop.
 */
public final class FrameSocket {
  /**
   * The engine's one pooled direct allocator. Buffers are aligned to 4 KiB so chunk payloads can
   * be written with O_DIRECT without a bounce copy; 8 MiB pool chunks keep 4 MiB chunks pooled.
   */
  public static final PooledByteBufAllocator ALLOC = new PooledByteBufAllocator(true, 0,
      Math.max(2, Runtime.getRuntime().availableProcessors()), 8192, 10, 0, 64, true, 4096);

  private static final Logger LOG = LoggerFactory.getLogger(FrameSocket.class);
  private final NetSocketInternal socket;
  private boolean closed;
  private Handler<Throwable> onError = t -> {};
  private Handler<Object> onFrame;
  private final FrameDecoder decoder;
  private final Context context;

  /**
   * @param onFrame receives each {@link Frame}, or a {@link ShardlineException} for bad input
   *     (after which nothing else arrives). The handler owns DATA payloads. Call on the socket's
   *     event-loop context.
   */
  public FrameSocket(NetSocket socket, int maxFrameLength, Handler<Object> onFrame) {
    this.socket = (NetSocketInternal) socket;
    this.onFrame = onFrame;
    this.context = Vertx.currentContext();
    this.decoder = new FrameDecoder(maxFrameLength, ALLOC);
    ChannelHandlerContext ctx = this.socket.channelHandlerContext();
    ctx.pipeline().addBefore(ctx.name(), "shardline-frames", decoder);
    this.socket.messageHandler(msg -> {
      if (closed) {
        ReferenceCountUtil.release(msg instanceof Frame.Data d ? d.payload() : msg);
        return;
      }
      if (msg instanceof Frame || msg instanceof ShardlineException) {
        this.onFrame.handle(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    });
    this.socket.closeHandler(v -> onClosed());
    this.socket.exceptionHandler(t -> {
      LOG.debug("connection {} failed: {}", this.socket.remoteAddress(), t.toString(), t);
      onError.handle(t);
    });
  }

  /**
   * Hands the connection to another owner (v7 push: a connection the pusher opened, on which the
   * server then pulls): frames from now on go to {@code h}, and frames up to {@code maxFrameLength}
   * are accepted. Event loop only.
   */
  public void takeOver(Handler<Object> h, int maxFrameLength) {
    onFrame = h;
    decoder.maxFrameLength(maxFrameLength);
  }

  /** The event-loop context this connection runs on (the one it was framed on). */
  public Context context() {
    return context;
  }

  /** Also tells {@code h} about connection errors (such as TLS alerts), before the close handler runs. */
  public void exceptionHandler(Handler<Throwable> h) {
    onError = h;
  }

  /** Sends a control frame. */
  public Future<Void> send(Frame frame) {
    if (frame instanceof Frame.Data d) {
      return sendData(d);
    }
    return write(FrameCodec.encode(frame, ALLOC));
  }

  /** Sends a DATA frame; takes ownership of its payload (released once written or failed). */
  public Future<Void> sendData(Frame.Data d) {
    if (closed) {
      d.release();
      return Future.failedFuture(new ShardlineException(ErrorCode.CONNECTION_LOST, "lane closed"));
    }
    ByteBuf header = FrameCodec.encodeDataHeader(d, ALLOC);
    ByteBuf frame = ALLOC.compositeDirectBuffer(2).addComponents(true, header, d.payload());
    return write(frame);
  }

  /**
   * Writes through the Netty pipeline, not Vert.x's outbound queue: a message queued there when
   * the connection closes is dropped without being released (seen as leaks under paranoid
   * detection). Netty releases a message whose write fails. Must run on the event loop.
   */
  private Future<Void> write(ByteBuf msg) {
    ChannelHandlerContext ctx = socket.channelHandlerContext();
    if (closed || !ctx.channel().isActive()) {
      msg.release();
      return Future.failedFuture(new ShardlineException(ErrorCode.CONNECTION_LOST, "lane closed"));
    }
    Promise<Void> p = Promise.promise();
    ctx.writeAndFlush(msg).addListener(f -> {
      if (f.isSuccess()) {
        p.complete();
      } else {
        p.fail(new ShardlineException(ErrorCode.CONNECTION_LOST, "write failed: " + f.cause().getMessage(), f.cause()));
      }
    });
    return p.future();
  }

  /** Stops reading from the socket (TCP backpressure reaches the peer). */
  public void pause() {
    socket.pause();
  }

  public void resume() {
    socket.resume();
  }

  public boolean isClosed() {
    return closed;
  }

  public void closeHandler(Handler<Void> h) {
    socket.closeHandler(v -> {
      onClosed();
      h.handle(null);
    });
  }

  /**
   * Vert.x drops, without releasing them, the messages still queued behind {@link #pause()} when
   * the connection closes: resuming hands them to the message handler, which releases them.
   */
  private void onClosed() {
    closed = true;
    socket.resume();
  }

  public Future<Void> close() {
    closed = true;
    return socket.close();
  }

  /**
   * Closes at once, without flushing: every write still queued fails (its promise fails, its
   * buffer is released) and no TLS close_notify is sent. For a peer that reads nothing, where
   * {@link #close()} would wait for the queue (and TLS for its close_notify) to drain. Must run
   * on the event loop.
   */
  public void abort() {
    closed = true;
    io.netty.channel.Channel ch = socket.channelHandlerContext().channel();
    ch.unsafe().close(ch.voidPromise());
  }

  /**
   * Bytes written to this connection and not yet taken by the kernel (Netty's outbound buffer,
   * after TLS): it goes down while the peer reads, stays put while it does not.
   */
  public long pendingWriteBytes() {
    io.netty.channel.ChannelOutboundBuffer out = socket.channelHandlerContext().channel().unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  /** Sends an error frame, then closes. */
  public Future<Void> fail(ShardlineException e) {
    if (closed) {
      return Future.succeededFuture();
    }
    return send(new Frame.Error(0, e.code(), e.getMessage())).eventually(this::close);
  }

  public SocketAddress remoteAddress() {
    return socket.remoteAddress();
  }
}
