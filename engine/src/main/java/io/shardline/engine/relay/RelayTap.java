package io.shardline.engine.relay;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.storage.ChunkSink;
import io.shardline.engine.storage.LocalChunkSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The relay's pull writes through this decorator over its local destination: it tells
 * {@link RelayFiles} what each file already holds when the pull prepares it, which chunk was just
 * verified and written (after its journal record, so a served chunk is one a resume would keep),
 * and when the file is published or fails. The pull itself knows nothing of relaying. Its files
 * must be local ({@link LocalChunkSink}): the server reads their bytes back.
 */
final class RelayTap implements ChunkSink.Factory {
  private final ChunkSink.Factory inner;
  private final RelayFiles files;

  RelayTap(ChunkSink.Factory inner, RelayFiles files) {
    this.inner = inner;
    this.files = files;
  }

  @Override
  public void begin() throws IOException {
    inner.begin();
  }

  @Override
  public ChunkSink open(FileManifest m) throws IOException {
    ChunkSink sink = inner.open(m);
    if (!(sink instanceof LocalChunkSink local)) {
      throw new ShardlineException(ErrorCode.DESTINATION_ERROR, "a relay writes into a local folder, not "
          + sink.target());
    }
    return new Tapped(local);
  }

  @Override
  public void end(List<ChunkSink> published) throws IOException {
    List<ChunkSink> unwrapped = new ArrayList<>(published.size());
    for (ChunkSink s : published) {
      unwrapped.add(s instanceof Tapped t ? t.sink : s);
    }
    inner.end(unwrapped);
  }

  @Override
  public int minChunkBytes() {
    return inner.minChunkBytes();
  }

  /** One file's sink, tapped. */
  private final class Tapped implements ChunkSink {
    final LocalChunkSink sink;

    Tapped(LocalChunkSink sink) {
      this.sink = sink;
    }

    @Override public FileManifest manifest() { return sink.manifest(); }
    @Override public void adopt(FileManifest complete) { sink.adopt(complete); }
    @Override public Constraints constraints() { return sink.constraints(); }
    @Override public boolean hasPartialState() throws IOException { return sink.hasPartialState(); }
    @Override public boolean alreadyComplete() { return sink.alreadyComplete(); }
    @Override public void flushJournal() throws IOException { sink.flushJournal(); }
    @Override public String target() { return sink.target(); }
    @Override public String resumeHint() { return sink.resumeHint(); }
    // Delta reuse goes through the tap: chunks copied from the older version are written and
    // journalled through this sink, so they are announced (and served) like fetched ones.
    @Override public Path previousVersion() { return sink.previousVersion(); }

    @Override
    public BitSet prepare() throws IOException {
      BitSet have = sink.prepare();
      files.prepared(sink.manifest(), sink.partPath(), sink.finalPath(), have, sink.alreadyComplete());
      return have;
    }

    @Override
    public void skipComplete() throws IOException {
      sink.skipComplete();
      files.published(sink.manifest().name());
    }

    @Override
    public void write(int index, ByteBuf data) throws IOException {
      sink.write(index, data);
      files.remember(sink.manifest().name(), index, data);
    }

    @Override
    public void journal(int index, int crc) throws IOException {
      sink.journal(index, crc);
      files.arrived(sink.manifest().name(), index);
    }

    @Override
    public void publish(int[] crcs, byte[] hashes) throws IOException {
      try {
        sink.publish(crcs, hashes);
      } catch (ShardlineException e) {
        files.failed(sink.manifest().name(), e);
        throw e;
      }
      files.published(sink.manifest().name());
    }

    @Override
    public void abort() {
      sink.abort();
    }
  }
}
