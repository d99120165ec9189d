package io.shardline.engine.cli;

import io.shardline.engine.rate.Rates;
import io.shardline.engine.tls.Fingerprint;
import io.shardline.engine.tls.TlsSupport;
import io.shardline.engine.tls.Trust;
import io.shardline.engine.wire.Protocol;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Turns command-line values into settings, with errors that name the option, what is wrong and
 * the valid range ("--chunk-size: '99999999999999999999' is out of range; valid: 64.0 KiB..64.0
 * MiB"), never a bare parser message such as {@code For input string}. Each method throws
 * {@link IllegalArgumentException}; the command line prints its message and exits with 2.
 */
final class OptionValues {
  /** Most seconds a timeout option accepts (a day). */
  static final double MAX_SECONDS = 86_400;

  private OptionValues() {}

  /** A chunk size (binary units) within the protocol's range. */
  static int chunkSize(String option, String value) {
    String range = Sizes.human(Protocol.MIN_CHUNK) + ".." + Sizes.human(Protocol.MAX_CHUNK) + " ("
        + Protocol.MIN_CHUNK + ".." + Protocol.MAX_CHUNK + " bytes)";
    long n;
    try {
      n = Sizes.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage() + "; valid: " + range);
    }
    if (n < Protocol.MIN_CHUNK || n > Protocol.MAX_CHUNK) {
      throw new IllegalArgumentException(option + ": '" + value + "' is out of range; valid: " + range);
    }
    return (int) n;
  }

  /** A rate in bytes per second ({@link Rates}). */
  static long rate(String option, String value) {
    try {
      return Rates.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage());
    }
  }

  /** A duration in seconds, more than 0 and at most {@link #MAX_SECONDS}, as milliseconds. */
  static long seconds(String option, double value) {
    if (!(value > 0 && value <= MAX_SECONDS)) { // also refuses NaN
      throw new IllegalArgumentException(option + ": " + value + " is out of range; valid: more than 0 and at most "
          + (long) MAX_SECONDS + " seconds");
    }
    return Math.max(1, (long) (value * 1000));
  }

  /** The token in {@code file}, or an error saying what is wrong with the file. */
  static String token(String option, Path file) {
    String what = "token file " + file + " (" + option + ")";
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(what + ": is a directory, not a file");
    }
    try {
      return TlsSupport.readToken(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(what + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(what + ": permission denied");
    } catch (IOException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new IllegalArgumentException(msg.contains(file.toString()) ? msg : what + ": " + msg);
    }
  }

  /** The trust chosen by {@code --insecure}, {@code --ca FILE} or {@code --trust sha256:HEX} (exactly one is set). */
  static Trust trust(String fingerprint, Path ca, boolean insecure) {
    return insecure ? new Trust.Insecure() : ca != null ? new Trust.CaFile(ca) : new Trust.Pinned(Fingerprint.parse(fingerprint));
  }
}
