package io.shardline.engine.testutil;

import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waits for a Vert.x future from a test thread (never an event loop), bounded, unwrapping its failure. */
public final class Await {
  private Await() {}

  /** The future's result within 120 s; its failure rethrown as it is when it is an Exception. */
  public static <T> T of(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }
}
