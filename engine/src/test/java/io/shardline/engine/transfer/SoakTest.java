package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.server.FaultHook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A bounded soak: transfers of random trees, each with a randomly chosen fault, then a tally.
 * Nothing may be lost, and no corrupt or partial file may ever sit at a final path. Every
 * transfer that fails must fail cleanly and complete when run again.
 *
 * <p>The test suite runs a short version. The long one, on demand:
 * {@code ./mvnw -pl engine test -Dtest=SoakTest -Dshardline.soak.transfers=200 -Dshardline.soak.seconds=600}
 */
class SoakTest extends LoopbackTestBase {
  enum Fault { NONE, CORRUPT_CHUNK, DROP_LANE, STALL_LANE, WIRE_BYTE_FLIP, WIRE_DROP, SOURCE_MODIFIED }

  @Test
  void randomTransfersWithRandomFaults() throws Exception {
    int transfers = Integer.getInteger("shardline.soak.transfers", 100);
    long budgetNanos = Long.getLong("shardline.soak.seconds", 60) * 1_000_000_000L;
    AtomicReference<FaultHook> hook = new AtomicReference<>(FaultHook.NONE);
    net.start(null, (p, off, lane, seq) -> hook.get().onData(p, off, lane, seq));
    int chunk = 32 * 1024;
    int firstTry = 0;
    int failedCleanly = 0;
    int corruptPublished = 0;
    int partialVisible = 0;
    int lost = 0;
    int done = 0;
    long t0 = System.nanoTime();
    try (FaultProxy proxy = FaultProxy.start(net.vertx, net.info.port())) {
      for (int t = 0; t < transfers && System.nanoTime() - t0 < budgetNanos; t++, done++) {
        SplittableRandom rnd = new SplittableRandom(1000 + t);
        Path tree = net.root.resolve("t" + t);
        List<Path> files = new java.util.ArrayList<>();
        int n = 1 + rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
          String name = (rnd.nextBoolean() ? "d" + rnd.nextInt(3) + "/" : "") + "f" + i + ".bin";
          files.add(Loopback.file(tree.resolve(name), rnd.nextInt(20) == 0 ? 0 : rnd.nextInt(600_000), rnd.nextLong()));
        }
        Fault fault = Fault.values()[rnd.nextInt(Fault.values().length)];
        long at = rnd.nextInt(8);
        AtomicInteger fired = new AtomicInteger();
        Path victim = files.get(0);
        hook.set(switch (fault) {
          case CORRUPT_CHUNK -> (p, off, lane, seq) -> fired.getAndIncrement() == at ? FaultHook.Action.CORRUPT : FaultHook.Action.PASS;
          case DROP_LANE -> (p, off, lane, seq) -> fired.getAndIncrement() == at ? FaultHook.Action.DROP_LANE : FaultHook.Action.PASS;
          case STALL_LANE -> (p, off, lane, seq) -> fired.getAndIncrement() == at ? FaultHook.Action.STALL : FaultHook.Action.PASS;
          case SOURCE_MODIFIED -> (p, off, lane, seq) -> {
            try {
              if (fired.getAndIncrement() == at && Files.size(victim) > 0) {
                Loopback.file(victim, Files.size(victim), seq * 31 + 7); // rewritten mid-transfer
              }
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            return FaultHook.Action.PASS;
          };
          default -> FaultHook.NONE;
        });
        proxy.flipByteAt = fault == Fault.WIRE_BYTE_FLIP ? 20_000 + at * 10_000 : -1;
        proxy.dropAfter = fault == Fault.WIRE_DROP ? 50_000 + at * 20_000 : -1;
        proxy.rearm();
        Path dest = tmp.resolve("dest" + t);
        boolean viaProxy = fault == Fault.WIRE_BYTE_FLIP || fault == Fault.WIRE_DROP;
        PullOptions o = net.options("t" + t, dest).chunkSize(chunk).stallTimeoutMs(300).progressTimeoutMs(10_000);
        if (viaProxy) {
          o.source(new ShardlineUrl("127.0.0.1", proxy.port(), "t" + t));
        }
        PullResult r = net.pull(o);
        hook.set(FaultHook.NONE);
        corruptPublished += Loopback.countCorrupt(tree, dest);
        partialVisible += Loopback.countForeign(tree, dest);
        if (r.ok()) {
          firstTry++;
          continue;
        }
        failedCleanly++;
        PullResult again = net.pull(net.options("t" + t, dest).chunkSize(chunk));
        corruptPublished += Loopback.countCorrupt(tree, dest);
        partialVisible += Loopback.countForeign(tree, dest);
        if (!again.ok() || Loopback.countCorrupt(tree, dest) > 0 || Loopback.files(dest).size() != Loopback.files(tree).size()) {
          lost++;
        }
      }
    }
    String tally = String.format("soak: %d transfers in %.1f s: %d completed first time, %d failed cleanly and completed"
        + " on a re-run, %d lost; corrupt files published: %d; partial files at final paths: %d",
        done, (System.nanoTime() - t0) / 1e9, firstTry, failedCleanly - lost, lost, corruptPublished, partialVisible);
    System.out.println(tally);
    assertTrue(done >= Math.min(transfers, 4), tally);
    assertEquals(0, corruptPublished, tally);
    assertEquals(0, partialVisible, tally);
    assertEquals(0, lost, tally);
  }
}
