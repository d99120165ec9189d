package io.shardline.engine.storage;

import io.netty.buffer.ByteBuf;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.integrity.FileManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A destination whose writer may lose its right to write while it runs: a gateway of a cluster
 * holds a lease on each job it runs, and a gateway that was frozen (SIGSTOP, a long pause) past
 * its lease must not write another byte or publish once it wakes up, because another gateway may
 * have taken the job over. Every write, journal record and publish asks {@code mayWrite} first
 * and fails with {@code FENCED} (not retryable: the pull stops) when it says no; nothing is
 * published after that. A decorator over any {@link ChunkSink.Factory}, so the engine knows
 * nothing of leases.
 */
public final class FencedDestination implements ChunkSink.Factory {
  private final ChunkSink.Factory inner;
  private final BooleanSupplier mayWrite;
  private final Supplier<String> why;

  /**
   * @param mayWrite asked before every write, journal record and publish (on disk workers: it
   *     must be cheap and thread-safe, e.g. a monotonic-clock deadline)
   * @param why the reason given when {@code mayWrite} says no
   */
  public FencedDestination(ChunkSink.Factory inner, BooleanSupplier mayWrite, Supplier<String> why) {
    this.inner = inner;
    this.mayWrite = mayWrite;
    this.why = why;
  }

  private void check(String what) {
    if (!mayWrite.getAsBoolean()) {
      throw new ShardlineException(ErrorCode.FENCED, "not allowed to " + what + " any more: " + why.get());
    }
  }

  @Override
  public void begin() throws IOException {
    check("write into this destination");
    inner.begin();
  }

  @Override
  public ChunkSink open(FileManifest m) throws IOException {
    return new Fenced(inner.open(m));
  }

  @Override
  public void end(List<ChunkSink> published) throws IOException {
    List<ChunkSink> unwrapped = new ArrayList<>(published.size());
    for (ChunkSink s : published) {
      unwrapped.add(s instanceof Fenced f ? f.sink : s);
    }
    inner.end(unwrapped);
  }

  @Override
  public int minChunkBytes() {
    return inner.minChunkBytes();
  }

  /** One file's sink behind the fence. */
  private final class Fenced implements ChunkSink {
    final ChunkSink sink;

    Fenced(ChunkSink sink) {
      this.sink = sink;
    }

    @Override public FileManifest manifest() { return sink.manifest(); }
    @Override public void adopt(FileManifest complete) { sink.adopt(complete); }
    @Override public Constraints constraints() { return sink.constraints(); }
    @Override public BitSet prepare() throws IOException { return sink.prepare(); }
    @Override public boolean hasPartialState() throws IOException { return sink.hasPartialState(); }
    @Override public boolean alreadyComplete() { return sink.alreadyComplete(); }
    @Override public void abort() { sink.abort(); }
    @Override public String target() { return sink.target(); }
    @Override public String resumeHint() { return sink.resumeHint(); }
    @Override public java.nio.file.Path previousVersion() { return sink.previousVersion(); } // delta reuse goes through the fence

    @Override
    public void skipComplete() throws IOException {
      check("remove leftovers of " + sink.target());
      sink.skipComplete();
    }

    @Override
    public void write(int index, ByteBuf data) throws IOException {
      check("write " + sink.target());
      sink.write(index, data);
    }

    @Override
    public void journal(int index, int crc) throws IOException {
      check("journal " + sink.target());
      sink.journal(index, crc);
    }

    @Override
    public void flushJournal() throws IOException {
      sink.flushJournal(); // records of chunks already written: true, and needed for the next writer's resume
    }

    @Override
    public void publish(int[] crcs, byte[] hashes) throws IOException {
      check("publish " + sink.target());
      sink.publish(crcs, hashes);
    }
  }
}
