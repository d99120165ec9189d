package io.shardline.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shardline.engine.tensor.SafetensorsHeader;
import io.shardline.engine.tensor.TensorFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the safetensors header parser with hostile files: bad lengths, bad UTF-8 and JSON,
 * huge, negative, reversed or overlapping offsets, shapes that overflow. Parsing either succeeds
 * with a header whose tensors lie inside the file, sorted and without overlap, or fails with a
 * {@link TensorFormatException}; nothing else escapes, and the header length limit keeps memory
 * bounded by the file.
 *
 * <p>Regression mode (every build) replays
 * {@code src/test/resources/io/shardline/engine/fuzz/SafetensorsFuzzTestInputs/<method>/}. A
 * bounded fuzzing session, one method at a time, from the repository root (see
 * {@link WireFuzzTest} for what it prints and writes):
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -o -pl engine test -Dtest='SafetensorsFuzzTest#readFile' -Dsurefire.argLine=-Xmx2g
 * JAZZER_FUZZ=1 ./mvnw -o -pl engine test -Dtest='SafetensorsFuzzTest#parseHeader' -Dsurefire.argLine=-Xmx2g
 * </pre>
 */
class SafetensorsFuzzTest {
  @TempDir
  static Path dir;

  /**
   * {@link SafetensorsHeader#read(Path)}. Input: a whole file (8-byte little-endian header
   * length, the JSON header, the data).
   */
  @FuzzTest(maxDuration = "60s")
  void readFile(byte[] input) throws IOException {
    Path file = dir.resolve("fuzz.safetensors");
    Files.write(file, input);
    SafetensorsHeader header;
    try {
      header = SafetensorsHeader.read(file);
    } catch (TensorFormatException e) {
      return;
    }
    assertEquals(input.length, header.fileSize());
    assertValid(header);
  }

  /**
   * {@link SafetensorsHeader#parse}, for files too large to write: input is a u64 big-endian
   * file size (the sign bit cleared: up to 2^63 - 1, so offsets can be huge and still inside the
   * file) followed by the JSON header bytes.
   */
  @FuzzTest(maxDuration = "60s")
  void parseHeader(byte[] input) {
    if (input.length < 8) {
      return;
    }
    long fileSize = 0;
    for (int i = 0; i < 8; i++) {
      fileSize = fileSize << 8 | (input[i] & 0xFF);
    }
    fileSize &= Long.MAX_VALUE;
    byte[] json = Arrays.copyOfRange(input, 8, input.length);
    SafetensorsHeader header;
    try {
      header = SafetensorsHeader.parse(json, fileSize, "fuzz");
    } catch (TensorFormatException e) {
      return;
    }
    assertEquals(fileSize, header.fileSize());
    assertValid(header);
  }

  /** What a parsed header promises its users. */
  private static void assertValid(SafetensorsHeader header) {
    assertTrue(header.headerLength() <= SafetensorsHeader.MAX_HEADER_BYTES);
    assertTrue(header.dataStart() <= header.fileSize(), "data section starts past the file's end");
    long lastEnd = header.dataStart();
    long lastStart = header.dataStart();
    for (SafetensorsHeader.Tensor t : header.tensors()) {
      assertTrue(t.start() >= header.dataStart() && t.length() >= 0 && t.end() <= header.fileSize(),
          () -> t + " is outside the data section");
      assertTrue(t.start() >= lastStart, "tensors are not sorted by start");
      if (t.length() > 0) {
        assertTrue(t.start() >= lastEnd, () -> t + " overlaps the tensor before it");
        lastEnd = t.end();
      }
      lastStart = t.start();
      long elements = 1;
      for (long d : t.shape()) {
        assertTrue(d >= 0, "negative dimension");
        elements = Math.multiplyExact(elements, d);
      }
      assertEquals(elements * t.dtype().width(), t.length(), () -> t + " has the wrong length for its shape");
      assertEquals(t, header.tensor(t.name()));
    }
  }
}
