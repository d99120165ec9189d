package io.shardline.engine.server;

/**
 * Test-only fault injection on the serving side, consulted once per DATA frame after its CRC
 * was computed. Not reachable from the command line.
 */
@FunctionalInterface
public interface FaultHook {
  enum Action {
    /** Send the chunk as read. */
    PASS,
    /** Flip one byte of the payload (the CRC stays that of the good bytes). */
    CORRUPT,
    /** Close the lane instead of sending. */
    DROP_LANE,
    /** Never answer this request (the lane stalls). */
    STALL
  }

  FaultHook NONE = (path, offset, lane, seq) -> Action.PASS;

  /**
   * @param lane the lane number the client gave in HELLO
   * @param seq how many DATA frames the whole server sent before this one
   */
  Action onData(String path, long offset, int lane, long seq);
}
