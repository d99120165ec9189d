package io.shardline.engine.server;

import io.shardline.engine.storage.SourceTree;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What all lanes of one server share: the read-only tree, the worker pool that does its file
 * I/O, the token and the fault hook. Immutable apart from the counters.
 */
record ServedTree(SourceTree tree, WorkerExecutor disk, String token, FaultHook faultHook,
    long handshakeTimeoutMs, int laneWriteWindow, AtomicLong dataFrames, AtomicLong refusedClients) {}
