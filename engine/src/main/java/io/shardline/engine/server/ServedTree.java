package io.shardline.engine.server;

import io.vertx.core.Context;
import io.vertx.core.WorkerExecutor;
import java.util.List;
import io.shardline.engine.rate.TokenBucket;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What all lanes of one server share: the source's open files ({@link OpenFiles}, over a
 * {@code storage.ChunkSource}), the worker pool that does its file
 * I/O and encoding, the token, the chunk encoder, the rate limit (null: none), the chunk-size
 * budget, the fault hook, the limits on unauthenticated connections ({@link HandshakeGate}), the
 * node-wide memory budget for chunks ({@link ChunkMemoryBudget}), the slow-reader timeout and a
 * relay's wait for chunks it has not received yet; the push token and what takes pushes (v7,
 * both null when the node takes none), and the event-loop contexts its lanes run on (a push's
 * connections arrive on them);
 * {@code tls}: whether lanes start TLS themselves (false only in the plaintext test mode).
 * Immutable apart from the counters, the budgets and the gate.
 */
record ServedTree(OpenFiles files, WorkerExecutor disk, String token, FaultHook faultHook,
    long handshakeTimeoutMs, int laneWriteWindow, AtomicLong dataFrames, AtomicLong refusedClients,
    ChunkEncoder encoder, TokenBucket bucket, AtomicInteger activeLanes, int cores,
    int maxConnectionsPerAddress, ConcurrentHashMap<String, AtomicInteger> connections, AtomicLong failedHandshakes,
    ChunkSizeBudget chunkSizes, HandshakeGate gate, boolean tls, ChunkMemoryBudget memory, long slowReaderMs,
    AtomicLong slowReadersClosed, long notYetWaitMs, String pushToken, PushAcceptor pushes, List<Context> loops,
    AtomicLong dataBytes) {

  /** Counts a new authenticated lane from {@code address}; false (and not counted) when over the limit. */
  boolean admit(String address) {
    AtomicInteger n = connections.computeIfAbsent(address, a -> new AtomicInteger());
    if (n.incrementAndGet() > maxConnectionsPerAddress) {
      n.decrementAndGet();
      return false;
    }
    return true;
  }

  void leave(String address) {
    connections.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** Compression throughput one lane can count on: the measured rate of a thread, times the cores, shared by the active lanes. */
  double compressRatePerLane() {
    double perThread = encoder.meter().perThread();
    return perThread * cores / Math.max(1, activeLanes.get());
  }
}
