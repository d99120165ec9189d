package io.shardline.engine.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.wire.Protocol;
import io.shardline.engine.error.ShardlineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SafePath}: what a peer may name, and that nothing outside the root is ever reached. */
class SafePathTest {
  @TempDir
  Path tmp;
  Path root;
  Path outside;

  @BeforeEach
  void tree() throws IOException {
    Path real = tmp.toRealPath();
    root = Files.createDirectories(real.resolve("root"));
    outside = Files.createDirectories(real.resolve("outside"));
    Files.writeString(Files.createDirectories(root.resolve("models/llama")).resolve("shard.bin"), "inside");
    Files.writeString(outside.resolve("secret.txt"), "outside");
  }

  static ShardlineException badPath(Runnable r) {
    ShardlineException e = assertThrows(ShardlineException.class, r::run);
    assertEquals(ErrorCode.BAD_PATH, e.code(), e::toString);
    return e;
  }

  /** A path of exactly {@code n} ASCII characters, in segments of at most 200. */
  static String longPath(int n) {
    StringBuilder b = new StringBuilder();
    while (n - b.length() > 201) {
      b.append("s".repeat(200)).append('/');
    }
    return b.append("s".repeat(n - b.length())).toString();
  }

  // ------------------------------------------------------------------ check / normalize

  @ParameterizedTest
  @ValueSource(strings = {"", "a", "a/b.c", "..a", "a..", "...", ".hidden/x", "a b/über/模型.bin", "a-b_c~d"})
  void validPathsPassUnchanged(String rel) {
    assertEquals(rel, SafePath.check(rel));
  }

  static List<String> invalidPaths() {
    return List.of("..", ".", "a/..", "../a", "a/../b", "a/./b", "./a", "/a", "/", "a//b", "a/", "//a",
        "a\0b", "\0", "a\\b", "..\\x", "s".repeat(256), "a/" + "s".repeat(256) + "/b");
  }

  @ParameterizedTest
  @MethodSource("invalidPaths")
  void invalidPathsAreRefused(String rel) {
    badPath(() -> SafePath.check(rel));
  }

  @Test
  void lengthLimits() {
    assertEquals(Protocol.MAX_PATH, longPath(Protocol.MAX_PATH).length());
    assertEquals(Protocol.MAX_PATH, SafePath.check(longPath(Protocol.MAX_PATH)).length());
    badPath(() -> SafePath.check(longPath(Protocol.MAX_PATH + 1)));
    assertEquals(255, SafePath.check("s".repeat(255)).length());
    badPath(() -> SafePath.check("s".repeat(256)));
  }

  @Test
  void lengthLimitsCountUtf8Bytes() {
    // Limits are in bytes, as on the wire and in the filesystem (NAME_MAX is 255 bytes):
    // 128 two-byte characters make a 256-byte segment.
    String fits = "é".repeat(127) + "x"; // 255 bytes
    assertEquals(fits, SafePath.check(fits));
    badPath(() -> SafePath.check("é".repeat(128)));
    // 2100 characters, 4200 bytes: fits in characters, not in a LIST frame's path field
    String path = String.join("/", Collections.nCopies(21, "é".repeat(99)));
    badPath(() -> SafePath.check(path));
  }

  @Test
  void refusalMessageNeverEchoesAHugeOrNulPath() {
    ShardlineException e = badPath(() -> SafePath.check("x".repeat(100_000)));
    assertTrue(e.getMessage().length() < 400, e::getMessage);
    e = badPath(() -> SafePath.check("a\0b"));
    assertEquals(-1, e.getMessage().indexOf('\0'));
  }

  @Test
  void normalizeStripsOuterSlashesOnly() {
    assertEquals("", SafePath.normalize(""));
    assertEquals("", SafePath.normalize("/"));
    assertEquals("", SafePath.normalize("///"));
    assertEquals("a/b", SafePath.normalize("/a/b"));
    assertEquals("a/b", SafePath.normalize("a/b/"));
    assertEquals("a", SafePath.normalize("//a//"));
    badPath(() -> SafePath.normalize("/a//b"));
    badPath(() -> SafePath.normalize("/../etc/passwd"));
    badPath(() -> SafePath.normalize("/a/./b/"));
    badPath(() -> SafePath.normalize("\\a"));
  }

  // ------------------------------------------------------------------ under

  @Test
  void underResolvesLexically() {
    assertEquals(root, SafePath.under(root, ""));
    assertEquals(root.resolve("a/b"), SafePath.under(root, "a/b"));
    // a relative or unnormalised root is made absolute first
    assertEquals(root.resolve("x"), SafePath.under(root.resolve("models/.."), "x"));
  }

  @ParameterizedTest
  @MethodSource("invalidPaths")
  void underRefusesWhatCheckRefuses(String rel) {
    badPath(() -> SafePath.under(root, rel));
  }

  // ------------------------------------------------------------------ resolveExisting

  @Test
  void resolvesFilesAndDirectoriesInside() throws IOException {
    assertEquals(root, SafePath.resolveExisting(root, ""));
    assertEquals(root.resolve("models"), SafePath.resolveExisting(root, "models"));
    assertEquals(root.resolve("models/llama/shard.bin"), SafePath.resolveExisting(root, "models/llama/shard.bin"));
  }

  @Test
  void missingPathIsNotFound() {
    for (String rel : List.of("nope", "models/nope", "nope/deeper/still")) {
      ShardlineException e = assertThrows(ShardlineException.class, () -> SafePath.resolveExisting(root, rel));
      assertEquals(ErrorCode.NOT_FOUND, e.code(), e::toString);
    }
  }

  @Test
  void symlinksInsideTheRootAreFollowed() throws IOException {
    Files.createSymbolicLink(root.resolve("latest"), root.resolve("models/llama"));
    Files.createSymbolicLink(root.resolve("current.bin"), Path.of("models/llama/shard.bin")); // relative target
    assertEquals(root.resolve("models/llama"), SafePath.resolveExisting(root, "latest"));
    assertEquals(root.resolve("models/llama/shard.bin"), SafePath.resolveExisting(root, "latest/shard.bin"));
    assertEquals(root.resolve("models/llama/shard.bin"), SafePath.resolveExisting(root, "current.bin"));
  }

  @Test
  void symlinksLeadingOutsideAreRefused() throws IOException {
    Files.createSymbolicLink(root.resolve("escape.txt"), outside.resolve("secret.txt"));
    Files.createSymbolicLink(root.resolve("escape-dir"), outside);
    Files.createSymbolicLink(root.resolve("models/up"), Path.of("../../outside")); // relative, two levels up
    Files.createSymbolicLink(root.resolve("to-root-parent"), root.getParent());
    for (String rel : List.of("escape.txt", "escape-dir", "escape-dir/secret.txt", "models/up/secret.txt",
        "to-root-parent", "to-root-parent/outside/secret.txt")) {
      ShardlineException e = badPath(() -> SafePath.resolveExisting(root, rel));
      assertTrue(e.getMessage().contains("outside"), e::getMessage);
    }
  }

  @Test
  void missingPathsBehindAnOutsideSymlinkAreRefusedToo() throws IOException {
    // Answering NOT_FOUND here but BAD_PATH for "escape-dir/secret.txt" would tell a peer which
    // files exist outside the root.
    Files.createSymbolicLink(root.resolve("escape-dir"), outside);
    Files.createSymbolicLink(root.resolve("models/inside"), root.resolve("models/llama"));
    badPath(() -> SafePath.resolveExisting(root, "escape-dir/secret.txt"));
    badPath(() -> SafePath.resolveExisting(root, "escape-dir/no-such-file"));
    badPath(() -> SafePath.resolveExisting(root, "escape-dir/no/such/dir"));
    ShardlineException e = assertThrows(ShardlineException.class,
        () -> SafePath.resolveExisting(root, "models/inside/no-such-file"));
    assertEquals(ErrorCode.NOT_FOUND, e.code(), "behind a symlink that stays inside: plain not found");
  }

  @Test
  void siblingWithTheRootAsPrefixIsOutside() throws IOException {
    // "/tmp/x/root2" starts with the string "/tmp/x/root" but is not inside it
    Path sibling = Files.createDirectories(root.resolveSibling(root.getFileName() + "2"));
    Files.writeString(sibling.resolve("f"), "x");
    Files.createSymbolicLink(root.resolve("sib"), sibling);
    badPath(() -> SafePath.resolveExisting(root, "sib/f"));
  }

  @Test
  void danglingAndLoopingSymlinksAreRefused() throws IOException {
    Files.createSymbolicLink(root.resolve("dangling"), root.resolve("nowhere"));
    Files.createSymbolicLink(root.resolve("loop-a"), root.resolve("loop-b"));
    Files.createSymbolicLink(root.resolve("loop-b"), root.resolve("loop-a"));
    badPath(() -> SafePath.resolveExisting(root, "dangling"));
    badPath(() -> SafePath.resolveExisting(root, "loop-a"));
  }

  @Test
  void resolveExistingChecksThePathFirst() {
    badPath(() -> SafePath.resolveExisting(root, "../outside/secret.txt"));
    badPath(() -> SafePath.resolveExisting(root, outside.resolve("secret.txt").toString()));
  }
}
