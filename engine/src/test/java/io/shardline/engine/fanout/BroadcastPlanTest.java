package io.shardline.engine.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.fanout.BroadcastPlan.Target;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link BroadcastPlan}: shapes, upstream lists, re-parenting and the model, as pure functions. */
class BroadcastPlanTest {
  private static final double GBIT = 125e6;

  private static List<Target> targets(int n) {
    List<Target> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(new Target("t" + i, GBIT));
    }
    return out;
  }

  @Test
  void aChainFeedsEachTargetFromTheOneBeforeWithEveryHopAboveAsFallback() {
    BroadcastPlan p = BroadcastPlan.chain("o", targets(4));
    assertEquals(List.of("o"), p.hop("t1").upstreams());
    assertEquals(List.of("t3", "t2", "t1", "o"), p.hop("t4").upstreams());
    assertEquals(4, p.hop("t4").depth());
    assertEquals(List.of("t2"), p.children("t1"));
    assertEquals(List.of("t1"), p.children("o"));
  }

  @Test
  void aBinaryTreeIsFilledBreadthFirst() {
    BroadcastPlan p = BroadcastPlan.tree("o", targets(7), 2);
    assertEquals(List.of("t1", "t2"), p.children("o"));
    assertEquals(List.of("t3", "t4"), p.children("t1"));
    assertEquals(List.of("t5", "t6"), p.children("t2"));
    assertEquals(List.of("t7"), p.children("t3"));
    assertEquals(List.of("t3", "t1", "o"), p.hop("t7").upstreams());
    assertEquals(3, p.hop("t7").depth());
  }

  @Test
  void aStarFeedsEveryoneFromTheOrigin() {
    BroadcastPlan p = BroadcastPlan.star("o", targets(3));
    p.hops().forEach(h -> assertEquals(List.of("o"), h.upstreams()));
    assertEquals(3, p.children("o").size());
  }

  @Test
  void fasterTargetsGoNearerTheOrigin() {
    List<Target> ts = List.of(new Target("slow", GBIT / 10), new Target("fast", GBIT * 10), new Target("mid", GBIT));
    BroadcastPlan p = BroadcastPlan.chain("o", ts);
    assertEquals(List.of("fast", "mid", "slow"), p.hops().stream().map(BroadcastPlan.Hop::name).toList());
  }

  @Test
  void losingAHopReparentsItsChildrenToTheHopAboveAndNobodyElseMoves() {
    BroadcastPlan p = BroadcastPlan.chain("o", targets(4)).without("t2");
    assertEquals(List.of("t1", "o"), p.hop("t3").upstreams());
    assertEquals(List.of("t3", "t1", "o"), p.hop("t4").upstreams());
    assertEquals(List.of("o"), p.hop("t1").upstreams());
    assertEquals(2, p.hop("t3").depth());
    assertEquals(List.of("t3"), p.children("t1"));
    BroadcastPlan t = BroadcastPlan.tree("o", targets(7), 2).without("t1");
    assertEquals(List.of("o"), t.hop("t3").upstreams());
    assertEquals(List.of("t3", "o"), t.hop("t7").upstreams());
    assertEquals(List.of("t5", "t6"), t.children("t2"), "the other branch is untouched");
  }

  @Test
  void theModelPrefersAChainForBigFilesAndFewHopsAndAStarForOne() {
    long gib = 1L << 30;
    int chunk = 4 << 20;
    BroadcastPlan chain = BroadcastPlan.chain("o", targets(6));
    BroadcastPlan star = BroadcastPlan.star("o", targets(6));
    double one = gib / GBIT;
    double c = chain.estimateSeconds(GBIT, gib, chunk, 0.5);
    assertTrue(c < 1.5 * one, "a chain of 6 costs about one pull: " + c + " s vs " + one);
    assertTrue(star.estimateSeconds(GBIT, gib, chunk, 0.5) > 5.9 * one, "a star of 6 costs six");
    assertEquals(BroadcastPlan.Shape.CHAIN, BroadcastPlan.best("o", targets(6), GBIT, gib, chunk, 0.5).shape());
    assertEquals(BroadcastPlan.Shape.STAR, BroadcastPlan.best("o", targets(1), GBIT, gib, chunk, 0.5).shape());
    // 1,000 small-file targets: the chain's fill (a hop per target) loses to a tree's depth
    assertEquals(BroadcastPlan.Shape.TREE,
        BroadcastPlan.best("o", targets(1000), GBIT, 64L << 20, chunk, 0.5).shape());
  }

  @Test
  void badTargetsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Target("x", 0));
    assertThrows(IllegalArgumentException.class,
        () -> BroadcastPlan.chain("o", List.of(new Target("a", 1), new Target("a", 2))));
    assertThrows(IllegalArgumentException.class, () -> BroadcastPlan.chain("o", List.of(new Target("o", 1))));
    assertThrows(IllegalArgumentException.class, () -> BroadcastPlan.tree("o", targets(3), 1));
    assertThrows(IllegalArgumentException.class, () -> BroadcastPlan.chain("o", targets(2)).without("zz"));
  }
}
