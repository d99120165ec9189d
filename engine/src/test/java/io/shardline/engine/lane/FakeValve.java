package io.shardline.engine.lane;

/**
 * A counting stand-in for a socket, after Vert.x's {@code FakeStream}: it records pauses and
 * resumes, and fails the test on a second pause or a resume while flowing.
 */
final class FakeValve implements FlowWindow.Valve {
  int pauses;
  int resumes;
  boolean paused;

  @Override
  public void pause() {
    if (paused) {
      throw new AssertionError("paused twice (pause " + (pauses + 1) + ")");
    }
    paused = true;
    pauses++;
  }

  @Override
  public void resume() {
    if (!paused) {
      throw new AssertionError("resumed while flowing (resume " + (resumes + 1) + ")");
    }
    paused = false;
    resumes++;
  }
}
