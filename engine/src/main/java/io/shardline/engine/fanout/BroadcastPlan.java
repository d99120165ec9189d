package io.shardline.engine.fanout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one content reaches many targets: a star (every target pulls from the origin), a chain (each
 * target relays to the next) or a pipelined k-ary tree (each relay feeds k children), with every
 * target's ordered list of upstreams: its parent first, then the hops above it up to the origin, so
 * a target whose parent dies falls back to the hop above and resumes from its journal, without
 * restarting anyone. A pure function of the targets and their link rates; {@link #estimateSeconds}
 * is the model behind {@link #best} (and docs/fanout.md):
 *
 * <pre>
 * star      N · S / B_origin                       (the origin sends every copy)
 * chain     S / B_min + (N − 1) · (c / B_min + h)   (each hop one chunk behind the one above)
 * k-tree    k · S / B_min + d · (k · c / B_min + h) (a relay sends k copies; d = depth)
 * </pre>
 *
 * with S the bytes, B a link's rate (bytes/s, both ways), c the chunk size and h a hop's fixed
 * cost (JVM start, handshakes, listing). Faster targets are placed nearer the origin.
 */
public final class BroadcastPlan {
  /** The layout. */
  public enum Shape { STAR, CHAIN, TREE }

  /** A target: a name unique in the plan and its link rate in bytes per second (measured or configured). */
  public record Target(String name, double bytesPerSecond) {
    public Target {
      Objects.requireNonNull(name, "name");
      if (!(bytesPerSecond > 0)) {
        throw new IllegalArgumentException(name + ": link rate must be positive, got " + bytesPerSecond);
      }
    }
  }

  /** One target's place: its depth (1 = fed by the origin) and its upstreams, nearest first, the origin last. */
  public record Hop(String name, int depth, List<String> upstreams) {
    public Hop {
      upstreams = List.copyOf(upstreams);
    }

    /** The upstream it pulls from while all is well. */
    public String parent() {
      return upstreams.get(0);
    }
  }

  private final Shape shape;
  private final int fanout;
  private final String origin;
  private final Map<String, Hop> hops;
  private final List<Target> targets;

  private BroadcastPlan(Shape shape, int fanout, String origin, Map<String, Hop> hops, List<Target> targets) {
    this.shape = shape;
    this.fanout = fanout;
    this.origin = origin;
    this.hops = Collections.unmodifiableMap(hops);
    this.targets = List.copyOf(targets);
  }

  /** Every target pulls from the origin. */
  public static BroadcastPlan star(String origin, List<Target> targets) {
    Map<String, Hop> hops = new LinkedHashMap<>();
    for (Target t : ordered(origin, targets)) {
      hops.put(t.name(), new Hop(t.name(), 1, List.of(origin)));
    }
    return new BroadcastPlan(Shape.STAR, targets.size(), origin, hops, targets);
  }

  /** Each target relays to the next, the fastest nearest the origin. */
  public static BroadcastPlan chain(String origin, List<Target> targets) {
    return tree(origin, targets, 1, Shape.CHAIN);
  }

  /** A k-ary tree filled breadth first, the fastest targets nearest the origin (they feed the others). */
  public static BroadcastPlan tree(String origin, List<Target> targets, int k) {
    if (k < 2) {
      throw new IllegalArgumentException("a tree needs a fan-out of at least 2, got " + k);
    }
    return tree(origin, targets, k, Shape.TREE);
  }

  private static BroadcastPlan tree(String origin, List<Target> targets, int k, Shape shape) {
    List<Target> order = ordered(origin, targets);
    Map<String, Hop> hops = new LinkedHashMap<>();
    for (int i = 0; i < order.size(); i++) {
      // Breadth first: the origin feeds the first k targets; target i >= k is fed by (i - k) / k.
      int parent = i < k ? -1 : (i - k) / k;
      List<String> up = new ArrayList<>();
      int depth = 1;
      for (int p = parent; p >= 0; p = p < k ? -1 : (p - k) / k) {
        up.add(order.get(p).name());
        depth++;
      }
      up.add(origin);
      hops.put(order.get(i).name(), new Hop(order.get(i).name(), depth, up));
    }
    return new BroadcastPlan(shape, k, origin, hops, targets);
  }

  /**
   * The plan of least estimated time among the star, the chain and trees of fan-out 2 and 3 for
   * {@code bytes} in chunks of {@code chunkBytes}, with a hop's fixed cost {@code hopSeconds}.
   */
  public static BroadcastPlan best(String origin, List<Target> targets, double originBytesPerSecond, long bytes,
      int chunkBytes, double hopSeconds) {
    List<BroadcastPlan> options = new ArrayList<>(List.of(star(origin, targets), chain(origin, targets)));
    if (targets.size() > 2) {
      options.add(tree(origin, targets, 2));
      options.add(tree(origin, targets, 3));
    }
    return options.stream().min(Comparator.comparingDouble(
        p -> p.estimateSeconds(originBytesPerSecond, bytes, chunkBytes, hopSeconds))).orElseThrow();
  }

  /** The model's completion time in seconds (see the class comment). */
  public double estimateSeconds(double originBytesPerSecond, long bytes, int chunkBytes, double hopSeconds) {
    if (hops.isEmpty()) {
      return 0;
    }
    double slowest = originBytesPerSecond;
    int depth = 0;
    for (Hop h : hops.values()) {
      depth = Math.max(depth, h.depth());
    }
    for (Target t : targets) {
      slowest = Math.min(slowest, t.bytesPerSecond());
    }
    return switch (shape) {
      case STAR -> hops.size() * bytes / originBytesPerSecond + hopSeconds;
      case CHAIN -> bytes / slowest + (hops.size() - 1) * (chunkBytes / slowest + hopSeconds) + hopSeconds;
      case TREE -> fanout * bytes / slowest + depth * (fanout * chunkBytes / slowest + hopSeconds);
    };
  }

  /**
   * The plan once {@code lost} is gone: its children (and theirs) pull from the hops above it,
   * in order, as their upstream lists already say; nobody else changes.
   */
  public BroadcastPlan without(String lost) {
    if (!hops.containsKey(lost)) {
      throw new IllegalArgumentException(lost + " is not a target of this plan");
    }
    Map<String, Hop> next = new LinkedHashMap<>();
    for (Hop h : hops.values()) {
      if (h.name().equals(lost)) {
        continue;
      }
      List<String> up = new ArrayList<>(h.upstreams());
      boolean below = up.remove(lost);
      next.put(h.name(), new Hop(h.name(), below ? h.depth() - 1 : h.depth(), up));
    }
    return new BroadcastPlan(shape, fanout, origin, next,
        targets.stream().filter(t -> !t.name().equals(lost)).toList());
  }

  public Shape shape() {
    return shape;
  }

  /** Children per relay: 1 for a chain, k for a tree, every target for a star. */
  public int fanout() {
    return fanout;
  }

  public String origin() {
    return origin;
  }

  /** Every target's hop, nearest the origin first (in the order they should start). */
  public List<Hop> hops() {
    return List.copyOf(hops.values());
  }

  public Hop hop(String name) {
    Hop h = hops.get(name);
    if (h == null) {
      throw new IllegalArgumentException(name + " is not a target of this plan");
    }
    return h;
  }

  /** The targets that pull from {@code name} while all is well (the origin's name for the first hops). */
  public List<String> children(String name) {
    List<String> out = new ArrayList<>();
    for (Hop h : hops.values()) {
      if (h.parent().equals(name)) {
        out.add(h.name());
      }
    }
    return out;
  }

  /** The targets, fastest first (ties by name, so a plan is the same for the same input), checked unique. */
  private static List<Target> ordered(String origin, List<Target> targets) {
    Map<String, Target> seen = new HashMap<>();
    for (Target t : targets) {
      if (t.name().equals(origin) || seen.put(t.name(), t) != null) {
        throw new IllegalArgumentException("target " + t.name() + " is named twice (or is the origin)");
      }
    }
    List<Target> order = new ArrayList<>(targets);
    order.sort(Comparator.comparingDouble((Target t) -> -t.bytesPerSecond()).thenComparing(Target::name));
    return order;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(shape + (shape == Shape.TREE ? "(" + fanout + ")" : "") + " from " + origin);
    for (Hop h : hops.values()) {
      b.append("; ").append(h.name()).append(" <- ").append(String.join(", ", h.upstreams()));
    }
    return b.toString();
  }
}
