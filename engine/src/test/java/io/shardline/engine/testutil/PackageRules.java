package io.shardline.engine.testutil;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package rules every module keeps: its packages form no circle (checked on the compiled
 * classes with ArchUnit, so a fully qualified name counts as much as an import), and no code
 * names a class of another package by its fully qualified name, which would hide the edge from
 * the import lines a reader scans.
 */
public final class PackageRules {
  private static final Pattern QUALIFIED = Pattern.compile("\\b(io\\.shardline\\.[a-z][\\w.]*?)\\.[A-Z]\\w*");
  private static final Pattern NOISE = Pattern.compile("//[^\\n]*|/\\*.*?\\*/|\"(?:\\\\.|[^\"\\\\])*\"", Pattern.DOTALL);

  private PackageRules() {}

  /** Fails when the packages below {@code root} (e.g. {@code io.shardline.engine}) form a circle. */
  public static void assertNoCircles(String root) {
    JavaClasses classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages(root);
    slices().matching(root + ".(*)..").should().beFreeOfCycles().check(classes);
  }

  /**
   * The places in the Java sources under {@code sourceRoot} that name a class of another
   * {@code io.shardline} package by its qualified name outside import and package lines
   * (comments and strings are ignored), as {@code file:line: name}.
   */
  public static List<String> qualifiedNames(Path sourceRoot) {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(sourceRoot)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        String text = Files.readString(f, StandardCharsets.UTF_8);
        Matcher pkg = Pattern.compile("(?m)^package\\s+([\\w.]+);").matcher(text);
        String own = pkg.find() ? pkg.group(1) : "";
        String[] lines = blankNoise(text).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
          String line = lines[i].strip();
          if (line.startsWith("import ") || line.startsWith("package ")) {
            continue;
          }
          Matcher m = QUALIFIED.matcher(line);
          while (m.find()) {
            if (!m.group(1).equals(own)) {
              found.add(sourceRoot.relativize(f) + ":" + (i + 1) + ": " + m.group());
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /** Comments and string literals replaced by blanks, keeping the line breaks (so line numbers hold). */
  private static String blankNoise(String text) {
    Matcher m = NOISE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(m.group().replaceAll("[^\\n]", " ")));
    }
    m.appendTail(out);
    return out.toString();
  }
}
