package io.shardline.engine.server;

import io.shardline.engine.codec.CodecMask;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.integrity.FileManifest;
import io.shardline.engine.lane.FlowWindow;
import io.shardline.engine.storage.SafePath;
import io.shardline.engine.storage.ChunkSource;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameSocket;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection on the serving side, on one event loop:
 * {@code AWAIT_HELLO -> READY -> CLOSED}. From its TCP accept until HELLO it counts as
 * unauthenticated ({@link HandshakeGate}: limited per address and in all, oldest evicted) and
 * has the handshake timeout to finish TLS (started here, {@code upgradeToSsl}), then again to send HELLO; then
 * it counts against the per-address limit of authenticated lanes. In READY it answers LIST with
 * ENTRY frames and GET with DATA frames. File reads run on the disk worker pool. The lane counts
 * the bytes it has read (or is reading) but not yet written to the socket; requests beyond that
 * write window wait in a small queue and the socket stops reading (a {@link FlowWindow} with
 * hysteresis decides when), so a client cannot make the
 * server hold more than one window of chunk data (or one chunk, if larger: it goes alone),
 * whatever it asks for. Each chunk also reserves its length in the node-wide
 * {@link ChunkMemoryBudget} before it is read, waiting (without blocking the loop) while the
 * budget is spent, and gives it back when its write completes or fails. While others wait, a
 * lane whose client has read nothing for the slow-reader timeout ({@link SlowReader}) is closed
 * at once ({@link FrameSocket#abort()}), which fails its queued writes and frees their memory.
 */
final class ServerLane {
  private static final Logger LOG = LoggerFactory.getLogger(ServerLane.class);

  /** HANDED_OVER: a push's connection (v7), taken over by the push it belongs to. */
  private enum State { AWAIT_HELLO, READY, CLOSED, HANDED_OVER }

  private final Vertx vertx;
  private final Context context;
  private final ServedTree served;
  private final NetSocket raw;
  private FrameSocket socket;
  private final String peer;
  private final String address;
  private final HandshakeGate.Pending unauthenticated;
  private boolean admitted;
  private boolean closed;
  private State state = State.AWAIT_HELLO;
  private int lane;
  private CodecMask clientCodecs = CodecMask.of(CodecId.IDENTITY);
  private long clientLaneRate;
  /** Bytes of chunks this lane may hold (the server's write window, or less after a SETTINGS WINDOW). */
  private long window;
  private final LinkMeter link = new LinkMeter();
  /** Requests waiting for room in the write window. */
  private final ArrayDeque<Frame.Get> pending = new ArrayDeque<>();
  /** In place of a GET's codec mask (a u8 on the wire, so never this): the request is a GET_RANGE (v6). */
  private static final int RANGE = -1;
  private static final int MAX_PENDING = 256;
  private long queuedBytes;
  /**
   * Pauses the socket past MAX_PENDING waiting requests, or while the write window is full (the
   * hold); resumes once at most MAX_PENDING / 2 wait and the window has room.
   */
  private final FlowWindow flow = new FlowWindow(MAX_PENDING + 1, MAX_PENDING / 2);
  /**
   * The pending handshake deadline, -1 when none. Timer ids are numbers of the whole Vert.x
   * instance, starting at 0: cancelling an unset id would cancel another component's timer
   * (a gateway's progress sampler when it shares the node's Vert.x).
   */
  private long handshakeTimer = -1;
  /** Bytes this lane holds in the node's memory budget (granted, not given back). */
  private long reservedBytes;
  /** The request waiting for the memory budget, if any (one at a time, so the lane's order holds). */
  private ChunkMemoryBudget.Waiter waiting;
  private long waitingBytes;
  /** DATA writes handed to the socket and not completed yet. */
  private int writesInFlight;
  /** Whether a chunk write of this lane has completed: its client reads. */
  private boolean everWritten;
  /** Chunks the fault hook stalled: held until the lane closes. */
  private long stalledBytes;
  private SlowReader slowReader;
  private long slowReaderTimer = -1;
  /**
   * GETs for chunks a filling source (a relay) has not received yet, each waiting for its chunk or
   * for the end of its wait (then NOT_YET); they hold no memory and no room in the write window.
   */
  private final Map<Long, Parked> parked = new HashMap<>();
  private long parkedSeq;

  /** A parked GET's wait: its timer and what unregisters it from the source. */
  private record Parked(long timer, Runnable unregister) {}

  ServerLane(Vertx vertx, ServedTree served, NetSocket so) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.served = served;
    this.raw = so;
    this.peer = String.valueOf(so.remoteAddress());
    this.address = so.remoteAddress() == null ? "?" : so.remoteAddress().hostAddress();
    this.unauthenticated = new HandshakeGate.Pending(address, () -> context.runOnContext(v -> evicted()));
    so.closeHandler(v -> closed());
    deadline("no TLS handshake within ");
    served.gate().enter(unauthenticated);
    if (!served.tls()) {
      framed();
      return;
    }
    so.upgradeToSsl().onComplete(ar -> {
      if (state != State.AWAIT_HELLO) {
        raw.close();
      } else if (ar.failed()) {
        ServerVerticle.handshakeFailed(served, ar.cause());
        state = State.CLOSED;
        raw.close();
      } else {
        framed();
      }
    });
  }

  /**
   * A lane over a connection this node opened itself, framed and through TLS (v7: a pusher
   * serves the server it pushes to on the connections that server asked it to dial). Then as any
   * lane: HELLO within the handshake timeout, LIST, GET. Call on the socket's context.
   */
  ServerLane(Vertx vertx, ServedTree served, FrameSocket framed) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.served = served;
    this.raw = null;
    this.peer = String.valueOf(framed.remoteAddress());
    this.address = framed.remoteAddress() == null ? "?" : framed.remoteAddress().hostAddress();
    this.unauthenticated = new HandshakeGate.Pending(address, () -> context.runOnContext(v -> evicted()));
    served.gate().enter(unauthenticated);
    deadline("no HELLO within ");
    socket = framed;
    framed.takeOver(this::onMessage, Protocol.MAX_CLIENT_FRAME);
    socket.closeHandler(v -> closed());
    flow.attach(FlowWindow.Valve.of(socket::pause, socket::resume));
  }

  /** Closes the connection unless it authenticates within the handshake timeout from now. */
  private void deadline(String what) {
    cancelHandshakeTimer();
    handshakeTimer = vertx.setTimer(served.handshakeTimeoutMs(), id -> {
      if (state == State.AWAIT_HELLO) {
        fail(new ShardlineException(ErrorCode.HANDSHAKE_TIMEOUT, what + served.handshakeTimeoutMs() + " ms"));
      }
    });
  }

  /** Cancels the handshake deadline if one is set (never an id this lane did not get). */
  private void cancelHandshakeTimer() {
    if (handshakeTimer >= 0) {
      vertx.cancelTimer(handshakeTimer);
      handshakeTimer = -1;
    }
  }

  /** TLS is up (or not wanted): frames from now on, and HELLO within the handshake timeout. */
  private void framed() {
    deadline("no HELLO within ");
    socket = new FrameSocket(raw, Protocol.MAX_CLIENT_FRAME, this::onMessage);
    socket.closeHandler(v -> closed());
    flow.attach(FlowWindow.Valve.of(socket::pause, socket::resume));
  }

  /** Made room for a newer unauthenticated connection (see {@link HandshakeGate}). */
  private void evicted() {
    if (state != State.AWAIT_HELLO) {
      return;
    }
    LOG.debug("closed an unauthenticated connection from {} to make room for a newer one", peer);
    fail(new ShardlineException(ErrorCode.BUSY, "too many unauthenticated connections (limits "
        + served.gate().maxPerAddress() + " per address, " + served.gate().maxTotal() + " in all)"));
  }

  private void closed() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.debug("lane {} from {} closed ({} requests waiting, {} bytes queued)", lane, peer, pending.size(), queuedBytes);
    if (state == State.READY) {
      served.activeLanes().decrementAndGet();
    }
    served.gate().leave(unauthenticated);
    if (admitted) {
      served.leave(address);
    }
    state = State.CLOSED;
    cancelHandshakeTimer();
    if (slowReaderTimer >= 0) {
      vertx.cancelTimer(slowReaderTimer);
    }
    if (waiting != null && served.memory().cancel(waiting)) {
      queuedBytes -= waitingBytes;
      waiting = null; // (if it was granted already, its grant gives it back)
    }
    if (stalledBytes > 0) {
      giveBack(stalledBytes);
      stalledBytes = 0;
    }
    for (Parked p : parked.values()) {
      vertx.cancelTimer(p.timer());
      p.unregister().run();
    }
    parked.clear();
  }

  private void onMessage(Object msg) {
    if (msg instanceof ShardlineException e) {
      LOG.warn("lane from {} sent bad input: {}", peer, e.toString());
      fail(e);
      return;
    }
    Frame f = (Frame) msg;
    if (state == State.AWAIT_HELLO) {
      if (f instanceof Frame.Hello h) {
        hello(h);
      } else if (f instanceof Frame.Push p) {
        push(p);
      } else if (f instanceof Frame.Join j) {
        join(j);
      } else {
        release(f);
        fail(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "expected HELLO, got " + f.type()));
      }
    } else if (state == State.READY) {
      if (f instanceof Frame.Get g) {
        get(g);
      } else if (f instanceof Frame.GetRange r) {
        getRange(r);
      } else if (f instanceof Frame.Segments sg) {
        segments(sg);
      } else if (f instanceof Frame.Settings s) {
        settings(s);
      } else if (f instanceof Frame.List l) {
        list(l);
      } else if (f instanceof Frame.Error e) {
        LOG.info("client {} lane {} reported {}: {}", peer, lane, e.code(), e.message());
        socket.close();
      } else {
        release(f);
        fail(new ShardlineException(ErrorCode.UNEXPECTED_FRAME, "unexpected " + f.type() + " from a client"));
      }
    } else {
      release(f);
    }
  }

  private void hello(Frame.Hello h) {
    cancelHandshakeTimer();
    served.gate().leave(unauthenticated);
    if (h.version() != Protocol.VERSION) {
      fail(new ShardlineException(ErrorCode.PROTOCOL_VERSION,
          "server speaks protocol version " + Protocol.VERSION + ", client " + h.version()));
      return;
    }
    if (served.token() != null && !MessageDigest.isEqual(
        served.token().getBytes(StandardCharsets.UTF_8), h.token().getBytes(StandardCharsets.UTF_8))) {
      served.refusedClients().incrementAndGet();
      LOG.warn("refused client {}: {} token", peer, h.token().isEmpty() ? "missing" : "wrong");
      fail(new ShardlineException(ErrorCode.AUTH_FAILED,
          h.token().isEmpty() ? "this server requires a token (--token-file)" : "wrong token"));
      return;
    }
    if (!served.admit(address)) {
      LOG.warn("refused a lane from {}: over {} authenticated connections from that address", address,
          served.maxConnectionsPerAddress());
      fail(new ShardlineException(ErrorCode.BUSY, "too many connections from " + address + " (limit "
          + served.maxConnectionsPerAddress() + ")"));
      return;
    }
    CodecMask decodes;
    try {
      decodes = h.codecMask().withAuto(false).with(CodecId.IDENTITY);
    } catch (ShardlineException e) {
      fail(e);
      return;
    }
    admitted = true;
    lane = h.lane();
    clientCodecs = decodes;
    clientLaneRate = h.laneRate();
    window = served.laneWriteWindow();
    state = State.READY;
    served.activeLanes().incrementAndGet();
    socket.send(new Frame.Welcome(Protocol.VERSION, "shardline"));
    slowReader = new SlowReader(served.slowReaderMs() * 1_000_000, System.nanoTime());
    slowReaderTimer = vertx.setPeriodic(Math.max(50, served.slowReaderMs() / 4), id -> checkSlowReader());
  }

  /**
   * A push's control connection (v7): refused unless this node takes pushes and the push token
   * matches (never the read token: a reader cannot write); then the connection belongs to the
   * push, which answers PUSH_ACCEPT or an ERROR.
   */
  private void push(Frame.Push p) {
    cancelHandshakeTimer();
    served.gate().leave(unauthenticated);
    if (p.version() != Protocol.VERSION) {
      fail(new ShardlineException(ErrorCode.PROTOCOL_VERSION,
          "server speaks protocol version " + Protocol.VERSION + ", pusher " + p.version()));
      return;
    }
    if (served.pushes() == null || served.pushToken() == null) {
      LOG.warn("refused a push from {}: this node does not take pushes", peer);
      fail(new ShardlineException(ErrorCode.PUSH_REFUSED,
          "this node does not take pushes (it would need serve --accept-push --push-token-file F)"));
      return;
    }
    if (!MessageDigest.isEqual(served.pushToken().getBytes(StandardCharsets.UTF_8),
        p.token().getBytes(StandardCharsets.UTF_8))) {
      served.refusedClients().incrementAndGet();
      LOG.warn("refused a push from {}: {} push token", peer, p.token().isEmpty() ? "missing" : "wrong");
      fail(new ShardlineException(ErrorCode.AUTH_FAILED, p.token().isEmpty()
          ? "this server takes pushes with a push token only (push --token-file)" : "wrong push token"));
      return;
    }
    state = State.HANDED_OVER;
    served.pushes().push(p, socket, served.loops());
  }

  /** A connection a push's DIAL asked for (v7): it goes to that push, whose session id it names. */
  private void join(Frame.Join j) {
    cancelHandshakeTimer();
    served.gate().leave(unauthenticated);
    if (j.version() != Protocol.VERSION) {
      fail(new ShardlineException(ErrorCode.PROTOCOL_VERSION,
          "server speaks protocol version " + Protocol.VERSION + ", pusher " + j.version()));
      return;
    }
    if (served.pushes() == null) {
      fail(new ShardlineException(ErrorCode.PUSH_REFUSED, "this node does not take pushes"));
      return;
    }
    state = State.HANDED_OVER;
    served.pushes().join(j, socket);
  }

  /**
   * While other requests wait for the node's memory budget, a lane with chunk writes out whose
   * client has read nothing for the slow-reader timeout is closed at once, without an ERROR frame
   * (one would queue behind the unread chunks): its queued writes fail and give their memory back.
   */
  private void checkSlowReader() {
    if (state != State.READY) {
      return;
    }
    long now = System.nanoTime();
    if (slowReader.check(now, socket.pendingWriteBytes(), writesInFlight > 0, served.memory().contended())) {
      LOG.warn("closed lane {} from {}: it holds {} bytes of chunks and its client read nothing for {} ms while "
          + "requests wait for the server's memory budget", lane, peer, reservedBytes, slowReader.idleNanos(now) / 1_000_000);
      served.slowReadersClosed().incrementAndGet();
      state = State.CLOSED;
      socket.abort();
    }
  }

  private void list(Frame.List l) {
    if (l.chunkSize() < Protocol.MIN_CHUNK || l.chunkSize() > Protocol.MAX_CHUNK) {
      error(l.requestId(), new ShardlineException(ErrorCode.BAD_REQUEST, "chunk size " + l.chunkSize()
          + " outside " + Protocol.MIN_CHUNK + ".." + Protocol.MAX_CHUNK));
      return;
    }
    try {
      served.chunkSizes().admit(l.chunkSize(), System.nanoTime());
    } catch (ShardlineException e) {
      LOG.warn("refused a listing from {} with chunk size {}: {}", peer, l.chunkSize(), e.getMessage());
      error(l.requestId(), e);
      return;
    }
    OpenFiles open = served.files();
    served.disk().executeBlocking(() -> open.list(SafePath.normalize(l.path()), l.chunkSize(),
        (l.flags() & Frame.List.STREAM) != 0), false)
        .onSuccess(files -> sendManifest(l.requestId(), files))
        .onFailure(t -> error(l.requestId(), ShardlineException.wrap(t, ErrorCode.IO_ERROR)));
  }

  private void sendManifest(int requestId, List<FileManifest> files) {
    for (FileManifest m : files) {
      if (m.chunkCount() > Protocol.MAX_ENTRY_CHUNKS) {
        long fits = Long.highestOneBit(Math.max(1, m.size() / Protocol.MAX_ENTRY_CHUNKS)) * 2;
        error(requestId, new ShardlineException(ErrorCode.BAD_REQUEST, "/" + m.path() + " has " + m.chunkCount()
            + " chunks of " + m.chunkSize() + " bytes, more than one listing entry holds (" + Protocol.MAX_ENTRY_CHUNKS
            + "); list it with a chunk size of " + fits + " bytes or more"));
        return;
      }
    }
    long bytes = 0;
    for (FileManifest m : files) {
      if (state != State.READY) {
        return;
      }
      socket.send(new Frame.Entry(requestId, m));
      bytes += m.size();
    }
    socket.send(new Frame.ListEnd(requestId, files.size(), bytes));
  }

  /**
   * Applies a SETTINGS frame (v3) on the live lane, pair by pair; unknown ids are ignored. A
   * WINDOW above the server's own write window is capped at it; 0 restores it.
   */
  private void settings(Frame.Settings s) {
    for (Frame.Settings.Setting v : s.values()) {
      switch (v.id()) {
        case Frame.Settings.LANE_RATE -> clientLaneRate = v.value();
        case Frame.Settings.WINDOW -> window = v.value() == 0 ? served.laneWriteWindow()
            : Math.min(v.value(), served.laneWriteWindow());
        default -> LOG.debug("lane {} from {}: ignored unknown setting {}", lane, peer, v.id());
      }
    }
    LOG.debug("lane {} from {}: rate {} B/s, window {} B", lane, peer, clientLaneRate, window);
    drain(); // a larger window may start queued requests
  }

  private void get(Frame.Get g) {
    try {
      SafePath.check(g.path());
      g.codecMask(); // bits for no known codec: refused here, so read() can rely on the mask
    } catch (ShardlineException e) {
      error(g.requestId(), e);
      return;
    }
    if (!served.memory().fitsAtAll(g.length())) {
      error(g.requestId(), new ShardlineException(ErrorCode.BAD_REQUEST, "a GET of " + g.length()
          + " bytes is larger than this server's memory budget for chunks (" + served.memory().total()
          + " bytes, serve --memory-budget); pull with a smaller --chunk-size"));
      return;
    }
    ChunkSource.Arrivals arrivals = served.files().source().arrivals();
    if (arrivals != null && !arrivals.here(g.path(), g.offset())) {
      park(g, arrivals);
      return;
    }
    // Requests already decoded from one socket read keep arriving after a pause, so they wait
    // here (a few bytes each) and start only while the lane's write window has room.
    pending.addLast(g);
    drain(); // ends by updating the flow window, which pauses the socket past MAX_PENDING
  }

  /**
   * GET_RANGE (v6): a delta pull's missing piece of a chunk. It takes the same way as a GET (the
   * lane's write window, the node's memory budget, the rate limit), marked with {@link #RANGE} in
   * place of a codec mask, and is answered in identity with the range's CRC32C.
   */
  private void getRange(Frame.GetRange r) {
    try {
      SafePath.check(r.path());
    } catch (ShardlineException e) {
      error(r.requestId(), e);
      return;
    }
    if (!served.memory().fitsAtAll(r.length())) {
      error(r.requestId(), new ShardlineException(ErrorCode.BAD_REQUEST, "a GET_RANGE of " + r.length()
          + " bytes is larger than this server's memory budget for chunks"));
      return;
    }
    pending.addLast(new Frame.Get(r.requestId(), r.path(), r.offset(), r.length(), RANGE, r.version()));
    drain();
  }

  /** SEGMENTS (v6): cut on a disk worker (once per file version, then cached), answered in one list. */
  private void segments(Frame.Segments sg) {
    try {
      SafePath.check(sg.path());
    } catch (ShardlineException e) {
      error(sg.requestId(), e);
      return;
    }
    OpenFiles files = served.files();
    served.disk().executeBlocking(() -> files.segments(sg.path(), sg.offset(), sg.length(), sg.version()), false)
        .onSuccess(list -> {
          if (state == State.READY) {
            socket.send(new Frame.SegmentList(sg.requestId(), list));
          }
        })
        .onFailure(t -> error(sg.requestId(), ShardlineException.wrap(t, ErrorCode.IO_ERROR)));
  }

  /**
   * A GET for a chunk the relay has not received yet waits for it (and moves it up the relay's
   * own queue) for at most the not-yet wait, then is answered NOT_YET so the client asks for
   * others meanwhile. At most MAX_PENDING wait per lane; past that the answer is NOT_YET at once.
   */
  private void park(Frame.Get g, ChunkSource.Arrivals arrivals) {
    if (parked.size() >= MAX_PENDING) {
      error(g.requestId(), notYet(g));
      return;
    }
    long key = parkedSeq++;
    long timer = vertx.setTimer(served.notYetWaitMs(), id -> {
      Parked p = parked.remove(key);
      if (p != null) {
        p.unregister().run();
        error(g.requestId(), notYet(g));
      }
    });
    Runnable[] unregister = {() -> { }};
    parked.put(key, new Parked(timer, () -> unregister[0].run()));
    unregister[0] = arrivals.await(g.path(), g.offset(), () -> context.runOnContext(v -> arrived(key, g)));
  }

  private void arrived(long key, Frame.Get g) {
    Parked p = parked.remove(key);
    if (p == null || state != State.READY) {
      return; // answered NOT_YET already, or the lane closed
    }
    vertx.cancelTimer(p.timer());
    pending.addLast(g);
    drain();
  }

  private ShardlineException notYet(Frame.Get g) {
    return new ShardlineException(ErrorCode.NOT_YET, "/" + g.path() + " at offset " + g.offset()
        + " is not on this relay yet (waited " + served.notYetWaitMs() + " ms); ask again");
  }

  private void drain() {
    // A GET larger than the window goes alone: only when nothing else of this lane is queued.
    while (!pending.isEmpty() && waiting == null && state == State.READY
        && (queuedBytes == 0 || queuedBytes + pending.peekFirst().length() <= window)) {
      Frame.Get g = pending.pollFirst();
      queuedBytes += g.length();
      ChunkMemoryBudget.Priority priority = reservedBytes > 0 ? ChunkMemoryBudget.Priority.HOLDER
          : everWritten ? ChunkMemoryBudget.Priority.READER : ChunkMemoryBudget.Priority.NEW;
      ChunkMemoryBudget.Waiter w = served.memory().acquire(g.length(), priority,
          r -> context.runOnContext(v -> r.run()), () -> granted(g));
      if (w == null) {
        reservedBytes += g.length();
        read(g);
      } else {
        waiting = w;
        waitingBytes = g.length();
      }
    }
    flow.update(pending.size(), queuedBytes >= window);
  }

  /** The memory budget granted {@code g}'s reservation (on this lane's context). */
  private void granted(Frame.Get g) {
    waiting = null;
    reservedBytes += g.length();
    if (state != State.READY) {
      queuedBytes -= g.length();
      giveBack(g.length());
      return;
    }
    read(g);
    drain();
  }

  private void giveBack(long bytes) {
    reservedBytes -= bytes;
    served.memory().release(bytes);
  }

  private void read(Frame.Get g) {
    if (g.codecs() == RANGE) {
      readRange(g);
      return;
    }
    long seq = served.dataFrames().getAndIncrement();
    served.dataBytes().addAndGet(g.length());
    FaultHook.Action action = served.faultHook().onData(g.path(), g.offset(), lane, seq);
    if (action == FaultHook.Action.STALL) {
      stalledBytes += g.length();
      return; // never answered; its bytes stay counted, as a stuck disk read would (until the lane closes)
    }
    // Only codecs the client said it decodes; the link and compression rates as measured now.
    CodecMask mask = g.codecMask().retain(clientCodecs).with(CodecId.IDENTITY);
    // The link as far as this lane knows: what it measured, capped by the server's own rate
    // limit (shared by its lanes) and by the client's (its share per lane, from HELLO).
    double measured = link.bytesPerSecond();
    double serverShare = served.bucket() == null ? Double.NaN
        : (double) served.bucket().bytesPerSecond() / Math.max(1, served.activeLanes().get());
    double laneLink = min(min(measured, serverShare), clientLaneRate > 0 ? clientLaneRate : Double.NaN);
    double compressRate = served.compressRatePerLane();
    OpenFiles files = served.files();
    served.disk().executeBlocking(() -> {
      // Through the file's open handle; a chunk that no longer has its listed CRC fails here.
      ChunkSource.Chunk chunk = files.read(g.path(), g.offset(), g.length(), g.version(), FrameSocket.ALLOC);
      try {
        return served.encoder().encode(g.path(), chunk, chunk.segments(), mask, laneLink, compressRate);
      } catch (RuntimeException e) {
        throw new ShardlineException(ErrorCode.INTERNAL, "encoding " + g.path() + " at " + g.offset() + " failed: " + e, e);
      }
    }, false)
        .compose(encoded -> send(g, encoded, action))
        .onComplete(ar -> sent(g, ar));
  }

  /** A GET's (or GET_RANGE's) answer is written to the kernel, or failed: its bytes leave the window and the budget. */
  private void sent(Frame.Get g, AsyncResult<Void> ar) {
    queuedBytes -= g.length();
    giveBack(g.length());
    if (ar.failed() && state == State.READY) {
      error(g.requestId(), ShardlineException.wrap(ar.cause(), ErrorCode.IO_ERROR));
    }
    drain();
  }

  private void readRange(Frame.Get g) {
    OpenFiles files = served.files();
    served.disk().executeBlocking(() -> {
      ChunkSource.Chunk c = files.readRange(g.path(), g.offset(), g.length(), g.version(), FrameSocket.ALLOC);
      return new ChunkEncoder.Encoded(CodecId.IDENTITY, c.bytes(), g.length(), c.crc());
    }, false)
        .compose(encoded -> send(g, encoded, FaultHook.Action.PASS))
        .onComplete(ar -> sent(g, ar));
  }

  private Future<Void> send(Frame.Get g, ChunkEncoder.Encoded chunk, FaultHook.Action action) {
    if (state != State.READY) {
      chunk.payload().release();
      return Future.succeededFuture();
    }
    if (action == FaultHook.Action.DROP_LANE) {
      chunk.payload().release();
      LOG.info("fault hook: dropping lane {} of {}", lane, peer);
      socket.close();
      return Future.succeededFuture();
    }
    if (action == FaultHook.Action.CORRUPT && chunk.payload().readableBytes() > 0) {
      int i = chunk.payload().readableBytes() / 2;
      chunk.payload().setByte(i, chunk.payload().getByte(i) ^ 0x5A);
    }
    long frameBytes = Protocol.PREFIX_BYTES + Protocol.DATA_HEADER_BYTES + chunk.payload().readableBytes();
    long waitNanos = served.bucket() == null ? 0 : served.bucket().take(System.nanoTime(), frameBytes);
    if (waitNanos <= 0) {
      return write(g, chunk, frameBytes);
    }
    Promise<Void> later = Promise.promise();
    vertx.setTimer(Math.max(1, waitNanos / 1_000_000), id -> write(g, chunk, frameBytes).onComplete(later));
    return later.future();
  }

  private Future<Void> write(Frame.Get g, ChunkEncoder.Encoded chunk, long frameBytes) {
    if (state != State.READY) {
      chunk.payload().release();
      return Future.succeededFuture();
    }
    link.started(System.nanoTime());
    writesInFlight++;
    return socket.sendData(new Frame.Data(g.requestId(), g.offset(), chunk.codec(), chunk.rawLength(), chunk.crc(),
            chunk.payload()))
        .andThen(ar -> {
          long now = System.nanoTime();
          link.completed(now, frameBytes);
          writesInFlight--;
          if (ar.succeeded()) {
            everWritten = true;
            slowReader.progressed(now);
          }
        })
        .recover(t -> Future.succeededFuture()); // a write fails only when the lane closed
  }

  private void error(int requestId, ShardlineException e) {
    if (e.code() == ErrorCode.INTERNAL || e.getCause() != null) {
      LOG.warn("request {} from {} failed: {}", requestId, peer, e.toString(), e.getCause());
    }
    if (state == State.READY) {
      socket.send(new Frame.Error(requestId, e.code(), e.getMessage()));
    }
  }

  private void fail(ShardlineException e) {
    state = State.CLOSED;
    cancelHandshakeTimer();
    if (socket == null) {
      raw.close(); // still in TLS: no frame can be sent
    } else {
      socket.fail(e);
    }
  }

  /** min that treats NaN (not measured, no limit) as "no bound". */
  private static double min(double a, double b) {
    return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b);
  }

  private static void release(Frame f) {
    if (f instanceof Frame.Data d) {
      d.release();
    }
  }
}
