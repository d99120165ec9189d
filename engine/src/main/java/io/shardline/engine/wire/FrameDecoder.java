package io.shardline.engine.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;

/**
 * Streaming frame decoder for the Netty pipeline. Reads the 5-byte prefix and checks the length
 * against {@code maxFrameLength} <em>before</em> allocating anything; then fills one exact-size
 * buffer per frame (no cumulation, no re-copy as it grows). A DATA frame's fixed header is read
 * first so its payload gets a buffer of exactly the chunk's size. Decoded {@link Frame}s go up
 * the pipeline; a bad frame goes up as a {@link ShardlineException} and everything after it is
 * discarded (the lane closes with that typed error).
 */
public final class FrameDecoder extends ChannelInboundHandlerAdapter {
  private int maxFrameLength;
  private final ByteBufAllocator alloc;
  private final byte[] prefix = new byte[Protocol.PREFIX_BYTES];
  private final byte[] dataHeader = new byte[Protocol.DATA_HEADER_BYTES];
  private int prefixFill;
  private int dataHeaderFill;
  private FrameType type;
  private int bodyLength;
  private ByteBuf body;
  private boolean failed;

  public FrameDecoder(int maxFrameLength, ByteBufAllocator alloc) {
    if (maxFrameLength < 64) {
      throw new IllegalArgumentException("maxFrameLength " + maxFrameLength);
    }
    this.maxFrameLength = maxFrameLength;
    this.alloc = alloc;
  }

  /**
   * A new limit for the frames that follow (a connection whose role turns: a push's dialled
   * connection, where the server that read small requests now receives chunks). Event loop only.
   */
  void maxFrameLength(int max) {
    if (max < 64) {
      throw new IllegalArgumentException("maxFrameLength " + max);
    }
    maxFrameLength = max;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      while (in.isReadable() && !failed) {
        Object out = step(in);
        if (out != null) {
          ctx.fireChannelRead(out);
        }
      }
    } finally {
      in.release();
    }
  }

  /** Consumes bytes from {@code in}; returns a frame or an error once one is complete. */
  private Object step(ByteBuf in) {
    try {
      if (prefixFill < Protocol.PREFIX_BYTES) {
        int n = Math.min(in.readableBytes(), Protocol.PREFIX_BYTES - prefixFill);
        in.readBytes(prefix, prefixFill, n);
        prefixFill += n;
        if (prefixFill < Protocol.PREFIX_BYTES) {
          return null;
        }
        long length = ((prefix[0] & 0xFFL) << 24) | ((prefix[1] & 0xFF) << 16)
            | ((prefix[2] & 0xFF) << 8) | (prefix[3] & 0xFF);
        FrameCodec.checkLength(length, maxFrameLength);
        type = FrameCodec.typeOf(prefix[4] & 0xFF);
        bodyLength = (int) length - 1;
        if (type == FrameType.DATA) {
          if (bodyLength < Protocol.DATA_HEADER_BYTES) {
            throw new ShardlineException(ErrorCode.SHORT_FRAME, "DATA frame of " + bodyLength + " bytes has no room for its header");
          }
          dataHeaderFill = 0;
        } else {
          body = alloc.directBuffer(bodyLength, bodyLength);
        }
      }
      if (type == FrameType.DATA && dataHeaderFill < Protocol.DATA_HEADER_BYTES) {
        int n = Math.min(in.readableBytes(), Protocol.DATA_HEADER_BYTES - dataHeaderFill);
        in.readBytes(dataHeader, dataHeaderFill, n);
        dataHeaderFill += n;
        if (dataHeaderFill < Protocol.DATA_HEADER_BYTES) {
          return null;
        }
        int payload = bodyLength - Protocol.DATA_HEADER_BYTES;
        body = alloc.directBuffer(payload, payload);
      }
      int n = Math.min(in.readableBytes(), body.writableBytes());
      body.writeBytes(in, n);
      if (body.isWritable()) {
        return null;
      }
      ByteBuf complete = body;
      body = null;
      prefixFill = 0;
      if (type == FrameType.DATA) {
        return FrameCodec.data(Unpooled.wrappedBuffer(dataHeader), complete);
      }
      try {
        return FrameCodec.decodeBody(type, complete);
      } finally {
        complete.release();
      }
    } catch (ShardlineException e) {
      failed = true;
      return e;
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (body != null) {
      body.release();
      body = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    handlerRemoved(ctx);
    super.channelInactive(ctx);
  }
}
