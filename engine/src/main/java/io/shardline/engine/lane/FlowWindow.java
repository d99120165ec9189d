package io.shardline.engine.lane;

/**
 * When a stream should stop and start reading, decided in one place for both lane ends.
 *
 * <p>The window counts items taken but not finished (chunks waiting for the disk, requests
 * waiting for the write window). It pauses its {@link Valve} when the count reaches
 * {@code limit} and resumes it only once the count is back at {@code resumeAt} or below
 * (hysteresis: a window that resumes at half does not flap on every item). An outside
 * {@linkplain #hold(boolean) hold} (the rate limiter says wait, the byte budget is spent) keeps it
 * paused whatever the count. The valve sees each change once: no second pause, no resume while
 * paused is still the rule. Nothing here allocates, so the per-chunk path may call it freely.
 *
 * <p>Not thread-safe: a window belongs to its lane's event loop.
 */
public final class FlowWindow {
  /** What a window drives: a stream that stops and starts reading, such as a lane's socket. */
  public interface Valve {
    void pause();

    void resume();

    static Valve of(Runnable pause, Runnable resume) {
      return new Valve() {
        @Override public void pause() { pause.run(); }

        @Override public void resume() { resume.run(); }
      };
    }
  }

  private final int limit;
  private final int resumeAt;
  private int count;
  private boolean held;
  private boolean paused;
  private Valve valve;

  /** Pauses at {@code limit} items, resumes at {@code resumeAt} or fewer ({@code 0 <= resumeAt < limit}). */
  public FlowWindow(int limit, int resumeAt) {
    if (limit < 1 || resumeAt < 0 || resumeAt >= limit) {
      throw new IllegalArgumentException("need 0 <= resumeAt < limit, got limit " + limit + ", resumeAt " + resumeAt);
    }
    this.limit = limit;
    this.resumeAt = resumeAt;
  }

  /** Pauses at {@code limit} items and resumes as soon as the count is below it. */
  public static FlowWindow noHysteresis(int limit) {
    return new FlowWindow(limit, limit - 1);
  }

  /** One more item taken. */
  public void acquire() {
    acquire(1);
  }

  /** An item of weight {@code n} taken (a caller that counts items by size: a small chunk weighs less). */
  public void acquire(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("weight " + n);
    }
    count += n;
    settle();
  }

  /** One item finished. */
  public void release() {
    release(1);
  }

  /** An item of weight {@code n} finished. */
  public void release(int n) {
    if (n < 1 || count < n) {
      throw new IllegalStateException("release of " + n + " without acquire (count " + count + ")");
    }
    count -= n;
    settle();
  }

  /** An outside reason to stay paused, on or off. */
  public void hold(boolean on) {
    held = on;
    settle();
  }

  /** Sets the count and the hold at once, for a caller that keeps its own queue. */
  public void update(int items, boolean hold) {
    if (items < 0) {
      throw new IllegalArgumentException("negative count " + items);
    }
    count = items;
    held = hold;
    settle();
  }

  /**
   * Drives {@code next} from now on ({@code null}: none, e.g. while reconnecting); a new valve is
   * paused at once if the window is paused, so a fresh socket starts where the last one stopped.
   */
  public void attach(Valve next) {
    valve = next;
    if (paused && next != null) {
      next.pause();
    }
  }

  public boolean paused() {
    return paused;
  }

  public boolean held() {
    return held;
  }

  public int count() {
    return count;
  }

  private void settle() {
    boolean want = held || (paused ? count > resumeAt : count >= limit);
    if (want != paused) {
      paused = want;
      if (valve != null) {
        if (want) {
          valve.pause();
        } else {
          valve.resume();
        }
      }
    }
    check();
  }

  /** Invariants: the count is never negative; paused only if held or above resumeAt; flowing only if free and below limit. */
  void check() {
    if (count < 0 || paused && !held && count <= resumeAt || !paused && (held || count >= limit)) {
      throw new IllegalStateException("window " + this);
    }
  }

  @Override
  public String toString() {
    return "FlowWindow[count=" + count + ", limit=" + limit + ", resumeAt=" + resumeAt + ", held=" + held
        + ", paused=" + paused + "]";
  }
}
