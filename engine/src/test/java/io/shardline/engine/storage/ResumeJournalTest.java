package io.shardline.engine.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ResumeJournal}: a hint that survives restarts and is ignored whenever it does not fit. */
class ResumeJournalTest {
  static final int CHUNK = 4096;
  static final int CHUNKS = 2 * ResumeJournal.BATCH + 5;

  @TempDir
  Path tmp;
  Path journal;
  FileManifest m;

  @BeforeEach
  void setUp() throws IOException {
    TestFiles.write(tmp.resolve("src.bin"), CHUNKS * CHUNK - 1, 1);
    m = TestFiles.manifest(tmp.resolve("src.bin"), "src.bin", CHUNK);
    journal = tmp.resolve("src.journal");
  }

  static BitSet bits(int... indexes) {
    BitSet b = new BitSet();
    IntStream.of(indexes).forEach(b::set);
    return b;
  }

  void record(ResumeJournal j, int... indexes) throws IOException {
    for (int i : indexes) {
      j.record(i, m.chunkCrcs()[i]);
    }
  }

  @Test
  void roundTrip() throws IOException {
    int[] all = IntStream.range(0, CHUNKS).map(i -> CHUNKS - 1 - i).toArray(); // any order
    try (ResumeJournal j = ResumeJournal.open(journal, m, false)) {
      record(j, all);
    }
    assertEquals(bits(all), ResumeJournal.read(journal, m));
  }

  @Test
  void recordsAreAppendedInBatches() throws IOException {
    try (ResumeJournal j = ResumeJournal.open(journal, m, false)) {
      record(j, 0, 1, 2);
      assertEquals(bits(), ResumeJournal.read(journal, m), "buffered, not yet written");
      j.flush();
      assertEquals(bits(0, 1, 2), ResumeJournal.read(journal, m));
      record(j, IntStream.range(3, 3 + ResumeJournal.BATCH).toArray());
      assertEquals(bits(IntStream.range(0, 3 + ResumeJournal.BATCH).toArray()), ResumeJournal.read(journal, m),
          "a full batch is appended without a flush");
    }
  }

  @Test
  void absentOrUnreadableJournalClaimsNothing() throws IOException {
    assertEquals(bits(), ResumeJournal.read(journal, m));
    Files.write(journal, new byte[10]);
    assertEquals(bits(), ResumeJournal.read(journal, m));
    Files.write(journal, TestFiles.bytes(4000, 9));
    assertEquals(bits(), ResumeJournal.read(journal, m));
    Files.createDirectory(tmp.resolve("dir.journal"));
    assertEquals(bits(), ResumeJournal.read(tmp.resolve("dir.journal"), m));
  }

  @Test
  void journalOfAnotherManifestIsIgnored() throws IOException {
    try (ResumeJournal j = ResumeJournal.open(journal, m, false)) {
      record(j, 0, 1, 2);
    }
    // the same size and chunking, other contents: only the root differs
    TestFiles.write(tmp.resolve("v2.bin"), CHUNKS * CHUNK - 1, 2);
    FileManifest other = TestFiles.manifest(tmp.resolve("v2.bin"), "src.bin", CHUNK);
    assertEquals(bits(), ResumeJournal.read(journal, other));
    // another chunk size of the same file
    FileManifest rechunked = TestFiles.manifest(tmp.resolve("src.bin"), "src.bin", 2 * CHUNK);
    assertEquals(bits(), ResumeJournal.read(journal, rechunked));
  }

  @Test
  void recordsThatDoNotMatchTheManifestAreIgnored() throws IOException {
    try (ResumeJournal j = ResumeJournal.open(journal, m, false)) {
      record(j, 0, 2);
      j.record(1, m.chunkCrcs()[1] + 1); // wrong CRC
      j.record(3, m.chunkCrcs()[4]); // another chunk's CRC
      j.record(-1, m.chunkCrcs()[0]); // out of range
      j.record(CHUNKS, 0);
      j.record(Integer.MAX_VALUE, 0);
    }
    assertEquals(bits(0, 2), ResumeJournal.read(journal, m));
  }

  @Test
  void keepAppendsAndFreshStartsOver() throws IOException {
    try (ResumeJournal j = ResumeJournal.open(journal, m, false)) {
      record(j, 0, 1);
    }
    try (ResumeJournal j = ResumeJournal.open(journal, m, true)) {
      record(j, 5);
    }
    assertEquals(bits(0, 1, 5), ResumeJournal.read(journal, m));
    try (ResumeJournal j = ResumeJournal.open(journal, m, false)) {
      record(j, 7);
    }
    assertEquals(bits(7), ResumeJournal.read(journal, m));
    // keep without a journal to keep starts one
    Files.delete(journal);
    try (ResumeJournal j = ResumeJournal.open(journal, m, true)) {
      record(j, 3);
    }
    assertEquals(bits(3), ResumeJournal.read(journal, m));
  }

  @Test
  void tornLastRecordIsIgnoredAndDoesNotSpoilLaterAppends() throws IOException {
    try (ResumeJournal j = ResumeJournal.open(journal, m, false)) {
      record(j, 0, 1);
    }
    // a crash (or a full disk) in the middle of an append leaves part of a record
    ByteBuffer torn = ByteBuffer.allocate(8).putInt(2).putInt(m.chunkCrcs()[2]);
    Files.write(journal, new byte[] {torn.get(0), torn.get(1), torn.get(2)}, StandardOpenOption.APPEND);
    assertEquals(bits(0, 1), ResumeJournal.read(journal, m));

    try (ResumeJournal j = ResumeJournal.open(journal, m, true)) {
      record(j, 3, 4);
    }
    assertEquals(bits(0, 1, 3, 4), ResumeJournal.read(journal, m));
  }

  @Test
  void closeFlushesAndIsSafeToRepeat() throws IOException {
    ResumeJournal j = ResumeJournal.open(journal, m, false);
    record(j, 9);
    j.close();
    j.close();
    j.flush();
    assertEquals(bits(9), ResumeJournal.read(journal, m));
  }
}
