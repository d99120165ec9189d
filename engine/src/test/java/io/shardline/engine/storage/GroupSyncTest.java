package io.shardline.engine.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GroupSync}: every caller returns once its file is durable, by a shared {@code syncfs}
 * where there is one (JDK 22+ on Linux, {@link SyncFs}), by its own fsync otherwise or after a
 * failed {@code syncfs}. Durability itself cannot be observed without a crash (the kill soak and
 * {@code ResumeTest} cover the publish around it); these check the group's bookkeeping.
 */
class GroupSyncTest {
  @TempDir
  Path tmp;

  /** 16 threads each write and publish 20 files through one group; every call returns, none twice. */
  private long publishFrom16Threads(GroupSync group) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        all.add(pool.submit(() -> {
          for (int i = 0; i < 20; i++) {
            Path p = tmp.resolve("f-" + thread + "-" + i);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
              ch.write(ByteBuffer.wrap(new byte[] {(byte) thread, (byte) i}));
              group.durable(ch);
            }
            Files.move(p, tmp.resolve("final-" + thread + "-" + i));
          }
          return null;
        }));
      }
      for (Future<?> f : all) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try (var files = Files.list(tmp)) {
      assertEquals(320, files.filter(p -> p.getFileName().toString().startsWith("final-")).count());
    }
    return group.syncs();
  }

  @Test
  void everyCallerReturnsAndSyncsAreSharedWhereSyncfsExists() throws Exception {
    GroupSync group = new GroupSync(tmp);
    long syncs = publishFrom16Threads(group);
    if (group.grouped()) {
      assertTrue(syncs >= 1 && syncs <= 320, "one syncfs per group of callers, at most one each: " + syncs);
    } else {
      assertEquals(0, syncs, "without syncfs each file is fsynced alone");
    }
  }

  @Test
  void aSyncfsThatFailsFallsBackToEachFilesOwnFsync() throws Exception {
    // A folder that does not exist: syncfs cannot even open it, as when the call fails.
    GroupSync group = new GroupSync(tmp.resolve("missing"), true);
    long syncs = publishFrom16Threads(group);
    assertEquals(1, syncs, "after one failed syncfs nobody tries again");
  }
}
