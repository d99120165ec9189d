package io.shardline.engine.rate;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses rates: bits per second with a "bit" suffix ({@code 800mbit}, {@code 1gbit},
 * {@code 10Gbit}), bytes per second otherwise ({@code 100MB}, {@code 1.5GB}, {@code 500KiB},
 * {@code 1000000}). Decimal prefixes (k, M, G = 10^3, 10^6, 10^9); binary ones with "i".
 */
public final class Rates {
  private static final Pattern P = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?)(bit|b|bps)?(/s)?",
      Pattern.CASE_INSENSITIVE);

  private Rates() {}

  /** Bytes per second. */
  public static long parse(String s) {
    Matcher m = P.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a rate: '" + s + "' (examples: 800mbit, 1gbit, 100MB, 1.5GB)");
    }
    double v = Double.parseDouble(m.group(1));
    String prefix = m.group(2).toLowerCase(Locale.ROOT);
    boolean binary = !m.group(3).isEmpty();
    int exp = switch (prefix) {
      case "k" -> 1;
      case "m" -> 2;
      case "g" -> 3;
      case "t" -> 4;
      default -> 0;
    };
    double mult = Math.pow(binary ? 1024 : 1000, exp);
    String unit = m.group(4) == null ? "" : m.group(4).toLowerCase(Locale.ROOT);
    double bytes = v * mult / (unit.equals("bit") || unit.equals("bps") ? 8 : 1);
    if (bytes < 1 || bytes > 1e13) {
      throw new IllegalArgumentException("rate out of range: '" + s + "'; valid: 1 B/s to 10 TB/s (e.g. 8bit to 80tbit)");
    }
    return (long) bytes;
  }
}
