package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve's options that are refused before anything starts: exit 2 and a message that names the option. */
class ServeCommandTest {
  @TempDir
  Path tmp;
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  PrintStream realErr;

  @BeforeEach
  void captureErr() {
    realErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreErr() {
    System.setErr(realErr);
  }

  @Test
  void theHttpsLayoutIsFilesOrHubAndNeedsTheFront() throws Exception {
    String root = Files.createDirectories(tmp.resolve("root")).toString();
    assertEquals(2, Main.run("serve", "--root", root, "--https-listen", "127.0.0.1:0", "--https-layout", "s3"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--https-layout must be files or hub, not s3"), err.toString());
    err.reset();
    assertEquals(2, Main.run("serve", "--root", root, "--https-layout", "hub"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--https-layout hub needs --https-listen HOST:PORT"),
        err.toString());
  }
}
