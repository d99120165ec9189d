package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardline.engine.tensor.Segment;
import io.shardline.engine.integrity.Crc32c;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.testutil.TestFiles;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link ChunkSource} over byte arrays by path: proves the server needs no file system. */
public final class MemoryChunkSource implements ChunkSource {
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();

  public MemoryChunkSource put(String path, byte[] bytes) {
    files.put(path, bytes);
    return this;
  }

  @Override
  public List<FileManifest> list(String rel, int chunkSize) {
    List<FileManifest> out = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
      String p = e.getKey();
      if (rel.isEmpty() || p.equals(rel) || p.startsWith(rel + "/")) {
        String name = p.equals(rel) ? p.substring(p.lastIndexOf('/') + 1) : rel.isEmpty() ? p : p.substring(rel.length() + 1);
        out.add(manifest(p, name, e.getValue(), chunkSize));
      }
    }
    if (out.isEmpty()) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is not in this memory source");
    }
    return out;
  }

  private static FileManifest manifest(String path, String name, byte[] b, int chunkSize) {
    return TestFiles.manifest(path, name, b, chunkSize);
  }

  @Override
  public Handle open(String rel, FileManifest expected) {
    byte[] b = files.get(rel);
    if (b == null) {
      throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is not in this memory source");
    }
    return new Handle() {
      @Override
      public String path() {
        return rel;
      }

      @Override
      public FileManifest manifest() {
        return expected;
      }

      @Override
      public Chunk read(long offset, int length, ByteBufAllocator alloc) {
        byte[] now = files.get(rel);
        if (now != b || offset + length > b.length) {
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed on the source");
        }
        ByteBuf buf = alloc.directBuffer(length, length).writeBytes(b, (int) offset, length);
        int crc = Crc32c.of(buf);
        if (expected != null && crc != expected.chunkCrcs()[(int) (offset / expected.chunkSize())]) {
          buf.release();
          throw new ShardlineException(ErrorCode.SOURCE_CHANGED, "/" + rel + " changed on the source since it was listed");
        }
        return new Chunk(buf, crc, Segment.bytes(length));
      }

      @Override
      public void close() {}
    };
  }
}
