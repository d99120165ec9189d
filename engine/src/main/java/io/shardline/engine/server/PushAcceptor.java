package io.shardline.engine.server;

import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameSocket;
import io.vertx.core.Context;
import java.util.List;

/**
 * What takes pushes on a node (v7, {@code serve --accept-push}; the push package's receiver).
 * The server checks the protocol version and the push token, then hands the connection over;
 * from then on it belongs to the push. Called on the connection's context.
 */
public interface PushAcceptor {
  /**
   * A push's control connection, its token checked: answer PUSH_ACCEPT and run the push, or send
   * an ERROR and close. {@code loops}: the contexts this node's connections arrive on.
   */
  void push(Frame.Push push, FrameSocket control, List<Context> loops);

  /** A connection a DIAL asked for: give it to the push its session id names, or refuse it. */
  void join(Frame.Join join, FrameSocket connection);
}
