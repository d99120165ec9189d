package io.shardline.gateway.config;

import io.shardline.engine.httpsget.HttpsPullOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An HTTPS remote's header file: one {@code Name: value} line per header sent with every request
 * (API keys, cookies, {@code Authorization}), blank lines and {@code #} comments ignored. Exists
 * so secrets live in a file the gateway reads when a job starts, never in a job, a view or the
 * audit log; errors name the file and the line number, never a value.
 */
public final class HeaderFile {
  /** Headers the pull sets itself: a file may not override them. */
  private static final Set<String> RESERVED = Set.of("host", "range", "content-length", "transfer-encoding",
      "accept-encoding", "connection", "te", "upgrade");

  private HeaderFile() {}

  /** Reads and parses {@code file}; an {@link IllegalArgumentException} names the file and line. */
  public static List<String[]> read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the header file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  /** The headers of {@code text}, in order; {@code where} names the file in errors. */
  public static List<String[]> parse(String text, String where) {
    List<String[]> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] h;
      try {
        h = HttpsPullOptions.parseHeader(line);
      } catch (IllegalArgumentException e) {
        h = null;
      }
      if (h == null || h[0].isEmpty()) {
        throw new IllegalArgumentException(where + " line " + (i + 1) + " is not a 'Name: value' header");
      }
      if (RESERVED.contains(h[0].toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(where + " line " + (i + 1) + ": the header " + h[0]
            + " is set by the pull itself and cannot be given");
      }
      out.add(h);
    }
    return out;
  }
}
