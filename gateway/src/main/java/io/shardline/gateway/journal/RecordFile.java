package io.shardline.gateway.journal;

import io.shardline.engine.integrity.Crc32c;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal's on-disk format, blocking, no state: records are {@code u32 length, u32 CRC32C of
 * the payload, payload (UTF-8 JSON)}, little-endian, appended and forced. Only the last record
 * can be torn (appends are sequential and each is forced before the next): a damaged tail is cut
 * off when read, damage followed by good records is reported as corruption.
 */
final class RecordFile {
  static final int HEADER = 8;
  static final int MAX_RECORD = 16 * 1024 * 1024;

  /** What {@link #read} found: the records and the offset where the good part ends. */
  record Contents(List<JournalRecord> records, long goodEnd, long fileSize) {}

  private RecordFile() {}

  static ByteBuffer encode(List<JournalRecord> records) {
    List<byte[]> payloads = new ArrayList<>(records.size());
    int total = 0;
    for (JournalRecord r : records) {
      byte[] p = r.toJson().encode().getBytes(StandardCharsets.UTF_8);
      if (p.length > MAX_RECORD) {
        throw new IllegalArgumentException("journal record of " + p.length + " bytes is over " + MAX_RECORD);
      }
      payloads.add(p);
      total += HEADER + p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] p : payloads) {
      b.putInt(p.length).putInt(Crc32c.of(p, 0, p.length)).put(p);
    }
    return b.flip();
  }

  /** Reads the records from {@code offset}; a missing file reads as empty. */
  static Contents read(Path file, long offset) throws IOException {
    if (!java.nio.file.Files.exists(file)) {
      return new Contents(List.of(), 0, 0);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      List<JournalRecord> out = new ArrayList<>();
      long pos = offset;
      ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      while (pos < size) {
        head.clear();
        if (readFully(ch, head, pos) < HEADER) {
          return new Contents(out, pos, size); // torn header at the end
        }
        head.flip();
        int len = head.getInt();
        int crc = head.getInt();
        if (len < 0 || len > MAX_RECORD) {
          return tail(out, pos, size, "a record length of " + len);
        }
        if (pos + HEADER + len > size) {
          return new Contents(out, pos, size); // torn payload at the end
        }
        ByteBuffer payload = ByteBuffer.allocate(len);
        readFully(ch, payload, pos + HEADER);
        byte[] bytes = payload.array();
        if (Crc32c.of(bytes, 0, len) != crc) {
          if (pos + HEADER + len == size) {
            return new Contents(out, pos, size); // the last record was torn
          }
          throw new JournalCorruptException("journal " + file + ": record at offset " + pos
              + " fails its checksum and is followed by " + (size - pos - HEADER - len) + " more bytes");
        }
        try {
          out.add(JournalRecord.fromJson(new JsonObject(new String(bytes, StandardCharsets.UTF_8))));
        } catch (DecodeException | IllegalArgumentException | ClassCastException e) {
          throw new JournalCorruptException("journal " + file + ": record at offset " + pos + " is not a journal event: " + e.getMessage());
        }
        pos += HEADER + len;
      }
      return new Contents(out, pos, size);
    }
  }

  private static Contents tail(List<JournalRecord> out, long pos, long size, String what) {
    if (size - pos <= HEADER + 64) {
      return new Contents(out, pos, size);
    }
    throw new JournalCorruptException("journal: " + what + " at offset " + pos + ", followed by " + (size - pos) + " bytes");
  }

  private static int readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    int total = 0;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
