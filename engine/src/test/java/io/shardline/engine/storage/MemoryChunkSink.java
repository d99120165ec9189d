package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.integrity.RootDigest;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ChunkSink} into a byte array, published into its {@link Factory}'s map by name: proves
 * a pull needs no file system. Not resumable (nothing survives the process).
 */
public final class MemoryChunkSink implements ChunkSink {
  /** Sinks of one transfer; {@link #published()} holds the files that published, by name. */
  public static final class Factory implements ChunkSink.Factory {
    private final Map<String, byte[]> published = new ConcurrentHashMap<>();
    private volatile boolean begun;
    private volatile boolean ended;

    public Map<String, byte[]> published() {
      return published;
    }

    public boolean begunAndEnded() {
      return begun && ended;
    }

    @Override
    public void begin() {
      begun = true;
    }

    @Override
    public ChunkSink open(FileManifest m) {
      return new MemoryChunkSink(m, published);
    }

    @Override
    public void end(List<ChunkSink> done) {
      ended = true;
    }
  }

  private volatile FileManifest manifest;
  private final Map<String, byte[]> into;
  private final byte[] bytes;

  private MemoryChunkSink(FileManifest manifest, Map<String, byte[]> into) {
    this.manifest = manifest;
    this.into = into;
    this.bytes = new byte[Math.toIntExact(manifest.size())];
  }

  @Override
  public FileManifest manifest() {
    return manifest;
  }

  @Override
  public void adopt(FileManifest complete) {
    if (complete.streamed() || !manifest.sameVersion(complete)) {
      throw new IllegalArgumentException(complete + " is not the complete manifest of " + manifest);
    }
    manifest = complete;
  }

  @Override
  public Constraints constraints() {
    return new Constraints(true, 1, false);
  }

  @Override
  public BitSet prepare() {
    return new BitSet();
  }

  @Override
  public boolean alreadyComplete() {
    return false;
  }

  @Override
  public void skipComplete() {}

  @Override
  public void write(int index, ByteBuf data) {
    data.getBytes(data.readerIndex(), bytes, (int) manifest.chunkOffset(index), data.readableBytes());
  }

  @Override
  public void journal(int index, int crc) {}

  @Override
  public void flushJournal() {}

  @Override
  public void publish(int[] crcs, byte[] hashes) {
    byte[] root = RootDigest.of(manifest.size(), manifest.chunkSize(), hashes);
    if (!Arrays.equals(root, manifest.root()) || !Arrays.equals(crcs, manifest.chunkCrcs())) {
      throw new ShardlineException(ErrorCode.DIGEST_MISMATCH, manifest.name() + ": digest mismatch");
    }
    into.put(manifest.name(), bytes.clone());
  }

  @Override
  public void abort() {}

  @Override
  public String target() {
    return "memory:" + manifest.name();
  }

  @Override
  public String resumeHint() {
    return "";
  }
}
