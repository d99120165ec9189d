package io.shardline.engine.transfer;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh loopback harness per test (server not started yet) and a destination folder. */
abstract class LoopbackTestBase {
  @TempDir
  Path tmp;
  Loopback net;
  Path dest;

  @BeforeEach
  void createLoopback() throws Exception {
    net = new Loopback(tmp);
    dest = tmp.resolve("dest");
  }

  @AfterEach
  void closeLoopback() throws Exception {
    net.close();
  }
}
