package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A serve node shares its Vert.x instance with other components (the gateway's test harness and
 * {@code shardline demo} run a node and a gateway on one): its lanes cancel only their own timers.
 * Timer ids count from 0 over the whole instance, so a lane that cancelled a handshake deadline it
 * had not set yet (an unset id, 0) cancelled whatever timer got id 0 first: there the gateway's
 * progress sampler, which then never ran again (EventStreamTest saw 0 progress events).
 */
class SharedVertxTimersTest extends LoopbackTestBase {

  @Test
  void anotherComponentsPeriodicTimerKeepsFiringAfterClientsConnect() throws Exception {
    // The first timer of this fresh Vert.x instance (id 0), set before the node starts.
    AtomicReference<CountDownLatch> ticks = new AtomicReference<>(new CountDownLatch(1));
    long periodic = net.vertx.setPeriodic(20, id -> ticks.get().countDown());
    try {
      assertTrue(ticks.get().await(20, TimeUnit.SECONDS), "the periodic timer fires at all");
      Loopback.file(net.root.resolve("w.bin"), 1024 * 1024, 11);
      net.start();
      PullResult r = net.pull(net.options("", dest)); // a manifest connection, then 4 lanes, each through TLS and HELLO
      assertTrue(r.ok(), () -> "pull failed: " + r.errors());
      Loopback.assertSameTree(net.root, dest);

      CountDownLatch after = new CountDownLatch(3);
      ticks.set(after);
      assertTrue(after.await(20, TimeUnit.SECONDS),
          "the periodic timer stopped firing once clients connected to the node (" + after.getCount() + " ticks missing)");
    } finally {
      net.vertx.cancelTimer(periodic);
    }
  }
}
