package io.shardline.engine.codec;

/**
 * Which codec a chunk goes out in. Pure: the measurements are arguments.
 *
 * <p>With a fixed choice ({@code zstd}, {@code planes}) the client asked for that codec: use it
 * (the encoder still falls back to identity when a chunk does not shrink). With {@code auto}:
 * <ul>
 *   <li>a chunk whose sample does not shrink to {@link #AUTO_SHRINK} or less goes out as it is;
 *   <li>otherwise compare the lane's measured link throughput L with the compression throughput
 *       Z this lane can count on. Compressing with ratio r moves min(L * r, Z) raw bytes per
 *       second instead of L, which is more only when Z > L: compress on a slow link, and not
 *       on a fast link with a busy CPU;
 *   <li>before the link is measured, chunks go as they are (a client held back by its rate limit
 *       says so, and a server's own limit is known, so slow links are recognised at once);
 *   <li>typed float data uses byte planes, everything else zstd.
 * </ul>
 */
public final class CodecPolicy {
  /** A chunk compresses only if its sample shrinks below this fraction of its size. */
  public static final double SHRINK = 0.95;
  /**
   * In auto mode, a chunk is compressed only if its sample shrinks to this fraction or less: a
   * gain of 1.25x or more. Below that, compressing risks more than it can win: the measured link
   * rate is also slow when the receiver is the bottleneck (its CPU, on a fast link), and then
   * compression only adds decode work. Real BERT FP32 (byte planes shrink it to 0.83) pulled over
   * loopback took 1.9-3.2 s in auto against 1.1-1.3 s uncompressed; BF16 (0.67) still compresses.
   */
  public static final double AUTO_SHRINK = 0.8;

  private CodecPolicy() {}

  /**
   * @param mask the GET's codec mask (maybe with auto)
   * @param hasFloats whether the chunk holds typed floating-point data
   * @param sampleRatio compressed/raw size of a sample of the chunk (NaN if not sampled)
   * @param linkBytesPerSecond the lane's measured link throughput (NaN if not known yet)
   * @param compressBytesPerSecond compression throughput available to this lane (NaN if unknown)
   */
  public static CodecId choose(CodecMask mask, boolean hasFloats, double sampleRatio, double linkBytesPerSecond,
      double compressBytesPerSecond) {
    boolean planes = mask.contains(CodecId.PLANES);
    boolean zstd = mask.contains(CodecId.ZSTD);
    CodecId preferred = planes && hasFloats ? CodecId.PLANES
        : zstd ? CodecId.ZSTD
        : planes ? CodecId.PLANES
        : CodecId.IDENTITY;
    if (!mask.auto() || preferred == CodecId.IDENTITY) {
      return preferred;
    }
    if (!(sampleRatio <= AUTO_SHRINK)) {
      return CodecId.IDENTITY; // does not shrink enough (or not sampled): don't spend the CPU
    }
    if (Double.isNaN(linkBytesPerSecond)) {
      return CodecId.IDENTITY; // link not measured yet: sending as is never slows a fast link
    }
    if (Double.isNaN(compressBytesPerSecond)) {
      return preferred; // a measured slow link, compressor not timed yet: the first encode times it
    }
    return compressBytesPerSecond > linkBytesPerSecond ? preferred : CodecId.IDENTITY;
  }

  /** Whether auto mode needs a sample of this chunk (it does when it might compress). */
  public static boolean wantsSample(CodecMask mask) {
    return mask.auto() && (mask.contains(CodecId.ZSTD) || mask.contains(CodecId.PLANES));
  }
}
