package io.shardline.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, defect 5: idle sockets, slowloris clients (a request head trickled a byte at a time)
 * and a flood of connections cannot lock real clients out. Small configured timeouts; an event
 * stream outlives the idle timeout because it writes more often.
 */
@Timeout(120)
class ConnectionLimitsTest {
  @TempDir
  Path tmp;

  private Socket connect(GatewayHarness h) throws IOException {
    Socket s = new Socket("127.0.0.1", h.info.port());
    s.setSoTimeout(200);
    return s;
  }

  /** True once the server has closed {@code s} (end of stream or a reset), reading what it sends. */
  private static boolean closedByServer(Socket s) {
    try {
      InputStream in = s.getInputStream();
      byte[] b = new byte[4096];
      while (true) {
        if (in.read(b) < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  @Test
  void idleAndSlowlorisConnectionsAreClosedWhileRealClientsAreServed() throws Exception {
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("big/c.bin"), 64_000_000, 3);
      h.startNode(o -> { }).startGateway(c -> c.put("idleTimeoutSeconds", 2).put("headerTimeoutSeconds", 1)
          .put("maxConnections", 100));
      // an event stream on a paused job: no progress events, only heartbeats keep it busy
      String id = h.submit(new JsonObject().put("source", "ckpt:big").put("destination", "local:p").put("rateLimit", 1_000_000))
          .getString("id");
      h.awaitState(id, "running", Duration.ofSeconds(10));
      assertEquals(200, h.call("POST", "/api/v1/jobs/" + id + "/pause", GatewayHarness.OPERATOR, null).status());
      Socket stream = connect(h);
      stream.getOutputStream().write(("GET /api/v1/jobs/" + id + "/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + GatewayHarness.VIEWER + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));

      List<Socket> idle = new ArrayList<>();
      List<Socket> slow = new ArrayList<>();
      List<Socket> stalledBody = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        idle.add(connect(h));
      }
      for (int i = 0; i < 10; i++) {
        Socket s = connect(h);
        s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        slow.add(s);
      }
      for (int i = 0; i < 5; i++) { // a whole head, then a body that never comes: only the idle timeout helps
        Socket s = connect(h);
        s.getOutputStream().write(("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.OPERATOR
            + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        stalledBody.add(s);
      }
      long start = System.nanoTime();
      StringBuilder streamed = new StringBuilder();
      boolean idleClosed = false;
      boolean slowClosed = false;
      boolean stalledClosed = false;
      double idleAt = -1;
      double slowAt = -1;
      double stalledAt = -1;
      while (System.nanoTime() - start < 6_000_000_000L) {
        // slowloris: a header byte on each socket every ~200 ms, well inside the idle timeout
        for (Socket s : slow) {
          try {
            s.getOutputStream().write('a');
          } catch (IOException closed) {
            // the server closed it: the read below sees that
          }
        }
        double t = (System.nanoTime() - start) / 1e9;
        assertEquals(200, h.call("GET", "/health", null, null).status(), "a real client is served at " + t + " s");
        if (!idleClosed && idle.stream().allMatch(ConnectionLimitsTest::closedByServer)) {
          idleClosed = true;
          idleAt = t;
        }
        if (!slowClosed && slow.stream().allMatch(ConnectionLimitsTest::closedByServer)) {
          slowClosed = true;
          slowAt = t;
        }
        if (!stalledClosed && stalledBody.stream().allMatch(ConnectionLimitsTest::closedByServer)) {
          stalledClosed = true;
          stalledAt = t;
        }
        try {
          byte[] b = new byte[8192];
          int n = stream.getInputStream().read(b);
          assertTrue(n > 0, "the event stream was closed after " + t + " s");
          streamed.append(new String(b, 0, n, StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
          // nothing this round
        }
      }
      assertTrue(idleClosed && idleAt < 4.5, "idle sockets closed after " + idleAt + " s (head timeout 1 s)");
      assertTrue(slowClosed && slowAt < 4.5, "slowloris sockets closed after " + slowAt + " s (head timeout 1 s)");
      assertTrue(stalledClosed && stalledAt < 5.5, "stalled bodies closed after " + stalledAt + " s (idle timeout 2 s)");
      assertTrue(streamed.indexOf("text/event-stream") > 0, streamed.toString());
      assertTrue(streamed.indexOf(": keep-alive") > 0, "heartbeats keep the stream alive: " + streamed);
      assertTrue(h.gateway.connections().headTimeouts() >= 30, "closed by the head timeout: " + h.gateway.connections().headTimeouts());
      stream.close();
      assertEquals(200, h.call("POST", "/api/v1/jobs/" + id + "/cancel", GatewayHarness.OPERATOR, null).status());
    }
  }

  @Test
  void connectionsBeyondTheCapAreClosedAndAFreedSlotServesAgain() throws Exception {
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      h.startNode(o -> { }).startGateway(c -> c.put("maxConnections", 5).put("headerTimeoutSeconds", 60));
      List<Socket> held = new ArrayList<>();
      for (int i = 0; i < 5; i++) { // each proves it is open: a whole request on a kept-alive connection
        Socket s = connect(h);
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertEquals("HTTP/1.1 200", head);
        held.add(s);
      }
      Socket over = connect(h);
      over.setSoTimeout(10_000);
      assertTrue(closedByServer(over), "the sixth connection is closed");
      assertEquals(1, h.gateway.connections().refused());
      held.remove(0).close();
      long deadline = System.nanoTime() + 10_000_000_000L;
      int status = 0;
      while (status != 200 && System.nanoTime() < deadline) { // the server sees the close soon
        try {
          status = h.call("GET", "/health", null, null).status();
        } catch (IOException refused) {
          Thread.sleep(50);
        }
      }
      assertEquals(200, status, "a freed slot serves a new client");
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
