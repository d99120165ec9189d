package io.shardline.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.testutil.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Server-sent events: steady progress, every state change, and no lost change on reconnect. */
@Timeout(90)
class EventStreamTest {
  @TempDir
  Path tmp;

  record Sse(String event, String id, JsonObject data) {}

  static List<Sse> read(String url, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + GatewayHarness.VIEWER);
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    List<Sse> out = new ArrayList<>();
    String event = null;
    String id = null;
    String data = null;
    for (String line : (Iterable<String>) r.body()::iterator) { // ends when the server ends the stream
      if (line.isEmpty()) {
        if (data != null) {
          out.add(new Sse(event, id, new JsonObject(data)));
        }
        event = id = data = null;
      } else if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("id: ")) {
        id = line.substring(4);
      } else if (line.startsWith("data: ")) {
        data = line.substring(6);
      }
    }
    return out;
  }

  @Test
  void progressAtASteadyCadenceThenTheFinalState() throws Exception {
    try (GatewayHarness h = new GatewayHarness(tmp)) {
      GatewayHarness.file(h.source.resolve("m/w.bin"), 48_000_000, 7);
      h.startNode(o -> { }).startGateway(c -> { });
      // 48 MB at 8 MB/s: a chunk per lane passes at once, then about 3 s of progress
      String id = h.submit(new JsonObject().put("source", "ckpt:m").put("destination", "local:sse")
          .put("rateLimit", 8_000_000)).getString("id");
      long t0 = System.nanoTime();
      List<Sse> events = read(h.base() + "/api/v1/jobs/" + id + "/events", null);
      double seconds = (System.nanoTime() - t0) / 1e9;
      List<Sse> progress = events.stream().filter(e -> "progress".equals(e.event())).toList();
      List<Sse> states = events.stream().filter(e -> "state".equals(e.event())).toList();
      assertTrue(progress.size() >= 3, "progress events: " + progress.size() + " in " + seconds + " s");
      assertTrue(progress.size() <= seconds * 4 + 3, "at most 4 per second: " + progress.size() + " in " + seconds + " s");
      long last = -1;
      for (Sse p : progress) {
        long done = p.data().getLong("bytesDone");
        assertTrue(done >= last, "progress never goes back");
        last = done;
        assertEquals(null, p.id(), "progress events carry no id");
      }
      Sse fin = states.get(states.size() - 1);
      assertEquals("succeeded", fin.data().getJsonObject("job").getString("state"));
      assertEquals(48_000_000, fin.data().getJsonObject("job").getLong("bytesDone"));
      for (Sse s : states) {
        Long.parseLong(s.id()); // state events carry the journal sequence number
      }

      // Reconnecting with the id of the first event replays every later change, in order.
      List<Sse> log = read(h.base() + "/api/v1/jobs/" + id + "/events", "0");
      List<String> types = log.stream().filter(e -> "state".equals(e.event()))
          .map(e -> e.data().getJsonObject("event").getString("type")).toList();
      assertEquals(List.of("submitted", "started", "succeeded"), types);
      String afterStart = log.get(1).id();
      List<Sse> missed = read(h.base() + "/api/v1/jobs/" + id + "/events", afterStart);
      assertEquals(1, missed.size());
      assertEquals("succeeded", missed.get(0).data().getJsonObject("event").getString("type"));
    }
  }
}
