package io.shardline.engine.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.ChunkSums;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.tensor.DTypeMap;
import io.shardline.engine.tensor.SafetensorsHeader;
import io.shardline.engine.tensor.TensorFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What a relay serves: the files its pull is writing, under the names they land as, with the
 * <em>upstream's</em> manifests, so every downstream verifies against the origin's roots and not
 * the relay's word. A chunk is served once the pull verified and wrote it (from memory while a
 * copy is there, else read back from the partial or published file) and is checked against the
 * manifest's CRC again on every read; a chunk not here yet is {@code NOT_YET} (the server first
 * waits for it, see {@link #arrivals()}). Only the chunk size the relay pulls with is served.
 */
final class RelaySource implements ChunkSource {
  /** How long a LIST waits for the relay's own listing before it is answered BUSY (asked again). */
  static final long LIST_WAIT_MS = 5_000;

  private final RelayFiles files;

  RelaySource(RelayFiles files) {
    this.files = files;
  }

  @Override
  public Arrivals arrivals() {
    return files;
  }

  @Override
  public List<FileManifest> list(String rel, int chunkSize) {
    List<RelayFiles.Held> all = files.listing(LIST_WAIT_MS);
    List<FileManifest> out = new ArrayList<>();
    for (RelayFiles.Held h : all) {
      FileManifest m = h.manifest;
      String path = m.name();
      String name;
      if (rel.isEmpty()) {
        name = path;
      } else if (path.equals(rel)) {
        name = path.substring(path.lastIndexOf('/') + 1);
      } else if (path.startsWith(rel + "/")) {
        name = path.substring(rel.length() + 1);
      } else {
        continue;
      }
      if (m.chunkSize() != chunkSize) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, "this relay serves chunks of " + m.chunkSize()
            + " bytes (the chunk size it pulls with), not " + chunkSize + "; pull with --chunk-size " + m.chunkSize());
      }
      out.add(new FileManifest(path, name, m.size(), m.mtimeMillis(), m.chunkSize(), m.chunkCrcs(), m.chunkHashes(),
          m.root()));
    }
    if (out.isEmpty()) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is not on this relay");
    }
    return out;
  }

  @Override
  public Handle open(String rel, FileManifest expected) {
    RelayFiles.Held h = files.file(rel);
    if (h == null) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is not on this relay");
    }
    return new RelayHandle(rel, h);
  }

  /** One relayed file, read chunk by chunk through one channel (opened at the first read from disk). */
  private final class RelayHandle implements Handle {
    private final String path;
    private final RelayFiles.Held held;
    private FileChannel channel;
    private volatile DTypeMap types;
    private boolean closed;

    RelayHandle(String path, RelayFiles.Held held) {
      this.path = path;
      this.held = held;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public FileManifest manifest() {
      return held.manifest;
    }

    @Override
    public Chunk read(long offset, int length, ByteBufAllocator alloc) throws IOException {
      FileManifest m = held.manifest;
      long cs = m.chunkSize();
      if (offset % cs != 0 || offset / cs >= m.chunkCount() || m.chunkLength((int) (offset / cs)) != length) {
        throw new ShardlineException(ErrorCode.BAD_REQUEST, "/" + path + ": no chunk of " + length
            + " bytes starts at offset " + offset + " (chunks of " + cs + " bytes)");
      }
      int index = (int) (offset / cs);
      ShardlineException failed = held.failure();
      if (failed != null) {
        throw new ShardlineException(failed.code(), "/" + path + ": this relay could not get it from its upstream: "
            + failed.getMessage());
      }
      if (!held.has(index)) {
        throw new ShardlineException(ErrorCode.NOT_YET, "/" + path + " chunk " + index + " is not on this relay yet");
      }
      ByteBuf buf = alloc.directBuffer(length, length);
      try {
        if (!files.recall(path, index, buf)) {
          readFromDisk(buf, offset, length);
        }
        int crc = Crc32c.of(buf);
        if (crc != m.chunkCrcs()[index]) {
          throw new ShardlineException(ErrorCode.IO_ERROR, "/" + path + " chunk " + index
              + ": this relay's copy reads back with another CRC32C than the upstream's manifest; not served");
        }
        return new Chunk(buf, crc, types(offset, length).segments(offset, length));
      } catch (IOException | RuntimeException e) {
        buf.release();
        throw e;
      }
    }

    private void readFromDisk(ByteBuf buf, long offset, int length) throws IOException {
      ByteBuffer nio = buf.internalNioBuffer(0, length);
      try {
        ChunkSums.readFully(channel(), nio, offset);
      } catch (IOException e) {
        throw new ShardlineException(ErrorCode.IO_ERROR, "/" + path + ": reading this relay's copy at offset "
            + offset + " failed: " + e.getMessage(), e);
      }
      buf.writerIndex(length);
    }

    /**
     * The file's channel: the partial file while it is received, the published one after (a
     * channel opened on the partial file reads on after the rename: the same file).
     */
    private synchronized FileChannel channel() throws IOException {
      if (closed) {
        throw new ShardlineException(ErrorCode.IO_ERROR, "/" + path + ": read after close");
      }
      if (channel == null) {
        Path first = held.done() ? held.published : held.part;
        Path second = held.done() ? held.part : held.published;
        try {
          channel = FileChannel.open(first, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
          channel = FileChannel.open(second, StandardOpenOption.READ); // renamed just now
        }
      }
      return channel;
    }

    /**
     * The element types for the codec: a safetensors header's once the chunks holding it are here
     * (read back from this copy), untyped bytes until then.
     */
    private DTypeMap types(long offset, int length) throws IOException {
      DTypeMap t = types;
      if (t != null) {
        return t;
      }
      FileManifest m = held.manifest;
      if (m.size() < SafetensorsHeader.LENGTH_BYTES || !held.has(0)) {
        return DTypeMap.bytes(m.size());
      }
      ByteBuffer len = ByteBuffer.allocate(SafetensorsHeader.LENGTH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      ChunkSums.readFully(channel(), len, 0);
      long headerEnd = len.getLong(0) + SafetensorsHeader.LENGTH_BYTES;
      if (headerEnd < 0 || headerEnd > m.size() || headerEnd > SafetensorsHeader.MAX_HEADER_BYTES) {
        types = DTypeMap.bytes(m.size()); // not safetensors
        return types;
      }
      for (int i = 0; i <= (headerEnd - 1) / m.chunkSize(); i++) {
        if (!held.has(i)) {
          return DTypeMap.bytes(m.size()); // the header is not all here yet
        }
      }
      ByteBuffer json = ByteBuffer.allocate((int) (headerEnd - SafetensorsHeader.LENGTH_BYTES));
      ChunkSums.readFully(channel(), json, SafetensorsHeader.LENGTH_BYTES);
      try {
        types = DTypeMap.of(SafetensorsHeader.parse(json.array(), m.size(), path));
      } catch (TensorFormatException e) {
        types = DTypeMap.bytes(m.size()); // not safetensors: untyped, as a local source would serve it
      }
      return types;
    }

    @Override
    public synchronized void close() {
      closed = true;
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // read-only
        }
        channel = null;
      }
    }
  }
}
