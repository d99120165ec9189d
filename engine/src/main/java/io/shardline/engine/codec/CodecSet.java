package io.shardline.engine.codec;

/** The codecs of this protocol version, by {@link CodecId}. Immutable, thread-safe. */
public final class CodecSet {
  /** The codec mask a client advertises in HELLO: every codec it can decode. */
  public static final CodecMask DECODABLE = CodecMask.all();

  private final Codec[] byId = new Codec[CodecId.values().length];

  private CodecSet(Codec... codecs) {
    for (Codec c : codecs) {
      byId[c.id().ordinal()] = c;
    }
    for (CodecId id : CodecId.values()) {
      if (byId[id.ordinal()] == null) {
        throw new IllegalArgumentException("no codec for " + id);
      }
    }
  }

  /** identity, zstd and planes, compressing at {@code zstdLevel}. */
  public static CodecSet standard(int zstdLevel) {
    return new CodecSet(new IdentityCodec(), new ZstdCodec(zstdLevel), new PlanesCodec(zstdLevel));
  }

  /** The codec for {@code id}. */
  public Codec get(CodecId id) {
    return byId[id.ordinal()];
  }
}
