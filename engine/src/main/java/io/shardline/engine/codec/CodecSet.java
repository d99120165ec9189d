package io.shardline.engine.codec;

import io.shardline.engine.wire.Protocol;

/** The codecs of this protocol version, by wire id. Immutable, thread-safe. */
public final class CodecSet {
  /** The codec mask a client advertises in HELLO: every codec it can decode. */
  public static final int DECODABLE = Protocol.bit(Protocol.CODEC_IDENTITY) | Protocol.bit(Protocol.CODEC_ZSTD)
      | Protocol.bit(Protocol.CODEC_PLANES);

  private final Codec[] byId;

  private CodecSet(Codec... codecs) {
    byId = new Codec[Protocol.MAX_CODEC + 1];
    for (Codec c : codecs) {
      byId[c.id()] = c;
    }
  }

  /** identity, zstd and planes, compressing at {@code zstdLevel}. */
  public static CodecSet standard(int zstdLevel) {
    return new CodecSet(new IdentityCodec(), new ZstdCodec(zstdLevel), new PlanesCodec(zstdLevel));
  }

  /** The codec with this wire id. */
  public Codec get(int id) {
    Codec c = id >= 0 && id < byId.length ? byId[id] : null;
    if (c == null) {
      throw new IllegalArgumentException("no codec with id " + id);
    }
    return c;
  }
}
