package io.shardline.perf.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's data are the same bytes on every machine, generated in the repository: the
 * digests below were taken from the team's {@code GenShards.java} ({@code java GenShards.java OUT
 * 8}: first MiB of {@code random/rand-00.bin}, {@code bf16/bf16-00.bin}, {@code bf16/bf16-01.bin})
 * and from {@code head -c 131072 /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102...0f -iv
 * 0} cut into 64 KiB (the small-file set). And the destination check: sampled, and every byte.
 */
class BenchDataTest {
  @TempDir
  Path tmp;

  @Test
  void randomAndBf16AreGenShardsBytes() throws Exception {
    DataSets.random(tmp.resolve("r0"), 1 << 20, 1000);
    DataSets.bf16(tmp.resolve("b0"), 1 << 20, 2000);
    DataSets.bf16(tmp.resolve("b1"), 1 << 20, 2001);
    assertEquals("650774adb8e209eeac114b94a6cc142a772f16e5bb17a29e97234778398dc756", sha256(tmp.resolve("r0")));
    assertEquals("09081d250dec099586a92ebf0bb21c4c3d47a9c681ffa6c07823a345c4f8678c", sha256(tmp.resolve("b0")));
    assertEquals("acc78490031073ad43302de70b4e6b41eb02be4301ceaddf53ee476cd5b6884c", sha256(tmp.resolve("b1")));
  }

  @Test
  void smallFilesAreTheFixedKeyAesCtrKeystreamIn64KiBFiles() throws Exception {
    DataSets.small(tmp, 101, 64 << 10);
    assertEquals("8397d6e745b2710bc2da47f2e22f36830bed183bf34006a3dec6689eba316e78", sha256(tmp.resolve("d00/x0000")));
    assertEquals("f92f3d15beecfc07ad14cd045cb68d66b1cebe3178ecc2c2868ca898c476fa88", sha256(tmp.resolve("d00/x0001")));
    assertTrue(Files.exists(tmp.resolve("d00/x0099")) && Files.exists(tmp.resolve("d01/x0100")));
    assertEquals(64 << 10, Files.size(tmp.resolve("d01/x0100")));
  }

  @Test
  void verifyAllFindsWhatTheSampleMissesAndIgnoresTheStateDir() throws Exception {
    Path src = tmp.resolve("src");
    DataSets.small(src, 3, 4096);
    List<String> files = List.of("d00/x0000", "d00/x0001", "d00/x0002");
    DataSet set = new DataSet("small", "test", src, files, 3 * 4096);
    Path dst = tmp.resolve("dst");
    copy(src, dst, files);
    assertNull(Runner.verify(set, dst, true));
    assertNull(Runner.leftState(dst));

    // Shardline's state directory is not compared, only reported
    Files.createDirectories(dst.resolve(".shardline/jobs"));
    Files.writeString(dst.resolve(".shardline/jobs/j1"), "x");
    assertNull(Runner.verify(set, dst, true));
    assertEquals("left .shardline/ (2 entries)", Runner.leftState(dst));

    // a changed byte in the middle file: the sample (first and last file) misses it, all does not
    byte[] b = Files.readAllBytes(dst.resolve("d00/x0001"));
    b[100] ^= 1;
    Files.write(dst.resolve("d00/x0001"), b);
    assertNull(Runner.verify(set, dst, false));
    assertEquals("d00/x0001 differs", Runner.verify(set, dst, true));
    b[100] ^= 1;
    Files.write(dst.resolve("d00/x0001"), b);

    // a file the set does not have
    Files.writeString(dst.resolve("d00/stray"), "?");
    assertNull(Runner.verify(set, dst, false));
    assertEquals("extra file(s) d00/stray", Runner.verify(set, dst, true));
    Files.delete(dst.resolve("d00/stray"));

    // a missing file fails both
    Files.delete(dst.resolve("d00/x0002"));
    assertEquals("missing d00/x0002", Runner.verify(set, dst, false));
    assertEquals("missing d00/x0002", Runner.verify(set, dst, true));
  }

  private static void copy(Path from, Path to, List<String> files) throws IOException {
    for (String r : files) {
      Files.createDirectories(to.resolve(r).getParent());
      Files.copy(from.resolve(r), to.resolve(r));
    }
  }

  private static String sha256(Path f) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }
}
