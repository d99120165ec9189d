package io.shardline.engine.lane;

/**
 * How a pull's lanes are spread over its sources, given in order of preference (nearest first):
 * round robin from the first, so the first source has at least as many lanes as any other, and
 * every source has one while there are lanes enough. Pure.
 */
public final class LaneSpread {
  private LaneSpread() {}

  /** The source (0-based) of lane {@code lane} (0-based) among {@code sources} sources. */
  public static int sourceOf(int lane, int sources) {
    if (lane < 0 || sources <= 0) {
      throw new IllegalArgumentException("lane " + lane + " of " + sources + " sources");
    }
    return lane % sources;
  }

  /** Lanes per source, for {@code lanes} lanes over {@code sources} sources. */
  public static int[] counts(int lanes, int sources) {
    int[] n = new int[sources];
    for (int i = 0; i < lanes; i++) {
      n[sourceOf(i, sources)]++;
    }
    return n;
  }
}
