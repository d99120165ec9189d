package io.shardline.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shardline.engine.codec.CodecId;
import io.shardline.engine.codec.CodecMask;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Frame;
import io.shardline.engine.wire.FrameCodec;
import io.shardline.engine.wire.Protocol;
import java.io.DataInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Protocol version 3 against a real server: a v2 peer is refused by name; SETTINGS apply on a live lane. */
@Timeout(60)
class ProtocolV3Test {
  static final CodecMask IDENTITY = CodecMask.of(CodecId.IDENTITY);

  @TempDir
  Path tmp;

  /** Reads one frame from a raw lane (a DATA payload is released at once). */
  static Frame read(SSLSocket s) throws Exception {
    DataInputStream in = new DataInputStream(s.getInputStream());
    int length = in.readInt();
    byte[] b = new byte[4 + length];
    in.readFully(b, 4, length);
    ByteBuf buf = Unpooled.wrappedBuffer(b).setInt(0, length);
    Frame f = FrameCodec.decode(buf, Protocol.maxServerFrame(Protocol.DEFAULT_CHUNK));
    if (f instanceof Frame.Data d) {
      d.release();
    }
    return f;
  }

  @Test
  void anOlderHelloGetsAVersionErrorNamingBothVersions() throws Exception {
    try (Loopback lb = new Loopback(tmp)) {
      lb.start();
      try (SSLSocket s = HostileClientsTest.neverReading(lb.info.port(),
          List.of(new Frame.Hello(2, 1, "", IDENTITY, 0)))) {
        Frame.Error e = assertInstanceOf(Frame.Error.class, read(s));
        assertEquals(0, e.requestId());
        assertEquals(ErrorCode.PROTOCOL_VERSION, e.code());
        assertTrue(e.message().contains("version " + Protocol.VERSION) && e.message().contains("client 2"), e.message());
        assertEquals(-1, s.getInputStream().read(), "the lane is closed");
      }
    }
  }

  @Test
  void settingsOnALiveLaneAreAppliedAndTheLaneKeepsServing() throws Exception {
    try (Loopback lb = new Loopback(tmp)) {
      lb.start();
      Loopback.file(lb.root.resolve("f.bin"), 64 * 1024, 5);
      List<Frame> frames = new ArrayList<>();
      frames.add(new Frame.Hello(Protocol.VERSION, 1, "", IDENTITY, 0));
      // a rate share, a window of one chunk, and an id this version does not know (ignored)
      frames.add(new Frame.Settings(List.of(new Frame.Settings.Setting(Frame.Settings.LANE_RATE, 50_000_000),
          new Frame.Settings.Setting(Frame.Settings.WINDOW, 4096), new Frame.Settings.Setting(999, 7))));
      for (int i = 0; i < 4; i++) {
        frames.add(new Frame.Get(i + 1, "f.bin", i * 4096L, 4096, IDENTITY));
      }
      frames.add(new Frame.Settings(List.of(new Frame.Settings.Setting(Frame.Settings.WINDOW, 0))));
      frames.add(new Frame.Get(5, "f.bin", 4 * 4096L, 4096, IDENTITY));
      try (SSLSocket s = HostileClientsTest.neverReading(lb.info.port(), frames)) {
        assertInstanceOf(Frame.Welcome.class, read(s));
        List<Integer> answered = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          Frame.Data d = assertInstanceOf(Frame.Data.class, read(s), "every GET is answered on the same lane");
          answered.add(d.requestId());
        }
        answered.sort(null);
        assertEquals(List.of(1, 2, 3, 4, 5), answered);
      }
    }
  }

  @Test
  void aGetWithMaskBitsForNoKnownCodecIsRefusedAndTheLaneStays() throws Exception {
    try (Loopback lb = new Loopback(tmp)) {
      lb.start();
      Loopback.file(lb.root.resolve("f.bin"), 8192, 6);
      List<Frame> frames = List.of(new Frame.Hello(Protocol.VERSION, 1, "", IDENTITY, 0),
          new Frame.Get(1, "f.bin", 0, 4096, 0x08 | 1), new Frame.Get(2, "f.bin", 4096, 4096, IDENTITY));
      try (SSLSocket s = HostileClientsTest.neverReading(lb.info.port(), frames)) {
        assertInstanceOf(Frame.Welcome.class, read(s));
        Frame.Error e = assertInstanceOf(Frame.Error.class, read(s));
        assertEquals(1, e.requestId());
        assertEquals(ErrorCode.MALFORMED_FRAME, e.code());
        assertEquals(2, assertInstanceOf(Frame.Data.class, read(s)).requestId());
      }
    }
  }
}
