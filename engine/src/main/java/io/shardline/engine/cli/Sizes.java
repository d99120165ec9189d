package io.shardline.engine.cli;

import io.shardline.engine.sync.SyncLog;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses byte sizes such as {@code 65536}, {@code 64k}, {@code 4MiB}, {@code 1G} (binary units). */
public final class Sizes {
  private static final Pattern P = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

  private Sizes() {}

  public static long parse(String s) {
    Matcher m = P.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: '" + s + "' (examples: 65536, 64k, 4MiB, 1G)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) { // only digits matched: the number is too large for a long
      throw new IllegalArgumentException("size too large: '" + s.trim() + "'");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    if (Long.numberOfLeadingZeros(n) <= shift) {
      throw new IllegalArgumentException("size too large: '" + s.trim() + "'");
    }
    return n << shift;
  }

  public static String human(double bytes) {
    return SyncLog.human(bytes);
  }
}
