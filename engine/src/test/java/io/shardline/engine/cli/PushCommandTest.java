package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.testutil.CliChild;
import io.shardline.engine.testutil.TestFiles;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code push} and {@code serve --accept-push} as processes: a push killed with SIGKILL on either
 * side resumes from what the node verified, and a reader of the served tree never sees a partial
 * file.
 */
class PushCommandTest {
  private static final long SIZE = 48L * 1024 * 1024 + 5;

  @TempDir
  Path tmp;
  private Path served;
  private Path src;
  private Path pushToken;
  private Path readToken;

  @BeforeEach
  void files() throws Exception {
    served = Files.createDirectories(tmp.resolve("served"));
    src = Files.createDirectories(tmp.resolve("ckpt"));
    TestFiles.random(src.resolve("model.safetensors"), SIZE, 11);
    TestFiles.random(src.resolve("config.json"), 700, 12);
    pushToken = Files.writeString(tmp.resolve("push.token"), "push-secret\n");
    readToken = Files.writeString(tmp.resolve("read.token"), "read-secret\n");
  }

  private CliChild serve(String name, int port) throws Exception {
    return CliChild.start(tmp.resolve(name + ".log"), Map.of(), "serve", "--root", served.toString(),
        "--listen", "127.0.0.1:" + port, "--state-dir", tmp.resolve("state").toString(), "--token-file",
        readToken.toString(), "--accept-push", "--push-token-file", pushToken.toString());
  }

  private CliChild push(String name, String[] node, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("push", src.toString(), "shardline://127.0.0.1:" + node[0] + "/ckpt",
        "--token-file", pushToken.toString(), "--trust", node[1], "--json", "--lanes", "3",
        "--state-dir", tmp.resolve("pusher-state").toString()));
    args.addAll(List.of(more));
    return CliChild.start(tmp.resolve(name + ".log"), Map.of(), args.toArray(String[]::new));
  }

  /** Waits (bounded) until the node journalled chunks of the push: it is under way. */
  private void awaitJournalled() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Path state = served.resolve("ckpt/.shardline");
      if (Files.isDirectory(state)) {
        try (Stream<Path> s = Files.walk(state)) {
          if (s.anyMatch(p -> p.toString().endsWith(".journal") && p.toFile().length() > 64)) {
            return;
          }
        }
      }
      Thread.sleep(50); // polling the node's state folder, bounded by the deadline
    }
    throw new AssertionError("the push never got under way");
  }

  private static JsonObject summary(CliChild c) throws Exception {
    for (String line : c.output().split("\n")) {
      if (line.startsWith("{") && line.contains("\"verified\"")) {
        return new JsonObject(line);
      }
    }
    throw new AssertionError("no summary: " + c.output());
  }

  private void assertLandedWhole() throws Exception {
    assertEquals(-1L, Files.mismatch(src.resolve("model.safetensors"), served.resolve("ckpt/model.safetensors")));
    assertEquals(-1L, Files.mismatch(src.resolve("config.json"), served.resolve("ckpt/config.json")));
  }

  @Test
  void aPusherKilledMidPushResumesWhereTheNodeLeftOff() throws Exception {
    try (CliChild node = serve("serve", 0)) {
      String[] n = node.banner();
      try (CliChild first = push("push1", n, "--rate-limit", "12MB")) {
        awaitJournalled();
        first.process.destroyForcibly(); // SIGKILL
        assertTrue(first.process.waitFor(10, TimeUnit.SECONDS));
      }
      assertFalse(Files.exists(served.resolve("ckpt/model.safetensors")), "nothing partial is published");
      try (CliChild second = push("push2", n)) {
        assertEquals(0, second.await(120), second.output());
        JsonObject s = summary(second);
        assertTrue(s.getBoolean("verified"), s.encode());
        assertTrue(s.getLong("resumedChunks") > 0, "the second push resumed: " + s.encode());
        assertTrue(s.getLong("bytes") < SIZE, s.encode());
      }
      assertLandedWhole();
    }
  }

  @Test
  void aNodeKilledMidPushIsWaitedForAndThePushResumesWhenItIsBack() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    CliChild node = serve("serve1", port);
    String[] n = node.banner();
    try (CliChild pusher = push("push", n, "--rate-limit", "12MB", "--progress-timeout", "90")) {
      awaitJournalled();
      node.close(); // SIGKILL
      assertFalse(Files.exists(served.resolve("ckpt/model.safetensors")), "nothing partial is published");
      try (CliChild again = serve("serve2", port)) {
        assertEquals(n[1], again.banner()[1], "the same certificate from its state folder");
        assertEquals(0, pusher.await(180), pusher.output());
        JsonObject s = summary(pusher);
        assertTrue(s.getBoolean("verified"), s.encode());
        assertTrue(s.getInteger("attempts") >= 2, s.encode());
        assertTrue(s.getLong("resumedChunks") > 0, "the node resumed what it had verified: " + s.encode());
        assertLandedWhole();
      }
    }
  }
}
